// RBAC as the apiserver's authorizer sees it, reduced to what least-privilege checks need: the rules
// of a (Cluster)Role from its YAML, and the request attributes (verb, apiGroup, resource/subresource,
// namespace) of each request the controller sent to the simulated apiserver.

import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import type { RequestRecord } from '../../src/sim/index.js';

export interface PolicyRule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
  /** Empty: every object; else only these names (never matches a create, whose URL names none). */
  readonly resourceNames: readonly string[];
}

export interface Role {
  readonly kind: 'ClusterRole' | 'Role';
  readonly name: string;
  /** Roles only grant inside their namespace; '' for a ClusterRole (every namespace). */
  readonly namespace: string;
  readonly rules: readonly PolicyRule[];
}

/** One authorization check: `resource` includes the subresource (`pods/status`). */
export interface Access {
  readonly verb: string;
  readonly apiGroup: string;
  readonly resource: string;
  readonly namespace: string;
  /** The object's name from the URL ('' for lists, watches and creates). */
  readonly name: string;
}

const strings = (v: unknown, what: string): string[] => {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new Error(`${what} must be a list of strings`);
  return v;
};

/** The ClusterRoles and Roles in a (multi-document) YAML file; other kinds are ignored. */
export async function loadRoles(file: string): Promise<Role[]> {
  const roles: Role[] = [];
  for (const doc of parseAllDocuments(await readFile(file, 'utf8'))) {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]!.message}`);
    const obj: unknown = doc.toJSON();
    if (typeof obj !== 'object' || obj === null) continue;
    const { kind, metadata, rules } = obj as { kind?: unknown; metadata?: unknown; rules?: unknown };
    if (kind !== 'ClusterRole' && kind !== 'Role') continue;
    const meta = (metadata ?? {}) as { name?: unknown; namespace?: unknown };
    if (!Array.isArray(rules)) throw new Error(`${file}: ${String(meta.name)} has no rules`);
    roles.push({
      kind,
      name: String(meta.name),
      namespace: kind === 'Role' ? String(meta.namespace ?? 'default') : '',
      rules: rules.map((r: unknown, i) => {
        const rule = (r ?? {}) as Record<string, unknown>;
        return {
          apiGroups: strings(rule.apiGroups, `rules[${i}].apiGroups`),
          resources: strings(rule.resources, `rules[${i}].resources`),
          verbs: strings(rule.verbs, `rules[${i}].verbs`),
          resourceNames:
            rule.resourceNames === undefined ? [] : strings(rule.resourceNames, `rules[${i}].resourceNames`),
        };
      }),
    });
  }
  return roles;
}

/**
 * The authorizer's view of an API request. The sim already classifies by HTTP method the way
 * kube-apiserver's RequestInfo does: GET item → get, GET collection → list, GET ?watch → watch,
 * POST → create, PUT → update, PATCH (server-side apply included) → patch, DELETE → delete.
 * Discovery (non-resource URLs) is not a resource request and returns null.
 */
export function accessOf(r: RequestRecord): Access | null {
  if (r.verb === 'discovery') return null;
  return {
    verb: r.verb,
    apiGroup: r.group,
    resource: r.subresource === '' ? r.resource : `${r.resource}/${r.subresource}`,
    namespace: r.namespace,
    name: r.name,
  };
}

const covers = (list: readonly string[], value: string): boolean => list.includes('*') || list.includes(value);

export function allows(roles: readonly Role[], a: Access): boolean {
  return roles.some(
    (role) =>
      (role.kind === 'ClusterRole' || role.namespace === a.namespace) &&
      role.rules.some(
        (rule) =>
          covers(rule.verbs, a.verb) &&
          covers(rule.apiGroups, a.apiGroup) &&
          covers(rule.resources, a.resource) &&
          (rule.resourceNames.length === 0 || rule.resourceNames.includes(a.name)),
      ),
  );
}

/** Every (verb, apiGroup, resource) a role grants, as `verb apiGroup/resource` strings (core group: `/pods`). */
export function grants(role: Role): string[] {
  const out: string[] = [];
  for (const rule of role.rules) {
    for (const group of rule.apiGroups)
      for (const resource of rule.resources) for (const verb of rule.verbs) out.push(grantKey(verb, group, resource));
  }
  return out;
}

export const grantKey = (verb: string, apiGroup: string, resource: string): string => `${verb} ${apiGroup}/${resource}`;
