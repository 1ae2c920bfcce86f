// Discovery documents (/version, /api, /apis, resource lists), computed from the served versions so
// clients that probe for DeviceTaintRule versions see exactly what this instance serves.

import type { JsonObject } from './json.js';
import { apiVersionOf, type ResourceDef, type ServedVersions, servedGroupVersions, verbsOf } from './resources.js';

export const versionInfo = (): JsonObject => ({
  major: '1',
  minor: '37',
  gitVersion: 'v1.37.0-sim',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'go1.25',
  compiler: 'gc',
  platform: 'linux/amd64',
});

export const coreVersions = (address: string): JsonObject => ({
  kind: 'APIVersions',
  versions: ['v1'],
  serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: address }],
});

function groupDoc(group: string, versions: readonly string[]): JsonObject {
  const vs = versions.map((v) => ({ groupVersion: apiVersionOf(group, v), version: v }));
  return { name: group, versions: vs, preferredVersion: vs[0]! };
}

export function groupList(served: ServedVersions): JsonObject {
  const groups: JsonObject[] = [];
  for (const [group, versions] of servedGroupVersions(served)) {
    if (group !== '') groups.push(groupDoc(group, [...versions.keys()]));
  }
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

export function apiGroup(served: ServedVersions, group: string): JsonObject | undefined {
  const versions = servedGroupVersions(served).get(group);
  if (versions === undefined || group === '') return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...groupDoc(group, [...versions.keys()]) };
}

export function resourceList(served: ServedVersions, group: string, version: string): JsonObject | undefined {
  const defs: ResourceDef[] | undefined = servedGroupVersions(served).get(group)?.get(version);
  if (defs === undefined) return undefined;
  const resources: JsonObject[] = [];
  for (const d of defs) {
    const r: JsonObject = {
      name: d.plural,
      singularName: d.singular,
      namespaced: d.namespaced,
      kind: d.kind,
      verbs: [...verbsOf(d)],
    };
    if (d.shortNames !== undefined) r.shortNames = [...d.shortNames];
    if (d.categories !== undefined) r.categories = [...d.categories];
    resources.push(r);
    // installAPIResources lists subresources sorted by path: pods/eviction comes before pods/status.
    // EvictionREST is a GroupVersionKindProvider, so the entry names policy/v1 Eviction.
    if (d.id === 'pods') {
      resources.push({
        name: 'pods/eviction',
        singularName: '',
        namespaced: true,
        group: 'policy',
        version: 'v1',
        kind: 'Eviction',
        verbs: ['create'],
      });
    }
    if (d.hasStatus) {
      resources.push({
        name: `${d.plural}/status`,
        singularName: '',
        namespaced: d.namespaced,
        kind: d.kind,
        verbs: ['get', 'patch', 'update'],
      });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf(group, version), resources };
}
