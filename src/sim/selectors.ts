// Label and field selectors with kube-apiserver's syntax. Label selectors support equality (`=`,
// `==`), `!=`, `in`, `notin`, existence (`key`) and non-existence (`!key`); field selectors support
// `=`, `==` and `!=` on the fields each resource indexes.

import { badRequest } from './status.js';

export type LabelRequirement =
  | { readonly op: 'in'; readonly key: string; readonly values: readonly string[] }
  | { readonly op: 'notin'; readonly key: string; readonly values: readonly string[] }
  | { readonly op: 'exists'; readonly key: string }
  | { readonly op: '!exists'; readonly key: string };

export type Labels = Readonly<Record<string, string>>;

/** Splits on commas that are not inside parentheses (`a in (x,y),b`). */
function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

const SET_RE = /^([^\s!=()]+)\s+(in|notin)\s*\(([^)]*)\)$/;

export function parseLabelSelector(selector: string): LabelRequirement[] {
  const reqs: LabelRequirement[] = [];
  for (const part of splitTopLevel(selector)) {
    const set = SET_RE.exec(part);
    if (set !== null) {
      const values = set[3]!
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '');
      reqs.push({ op: set[2] === 'in' ? 'in' : 'notin', key: set[1]!, values });
      continue;
    }
    const ne = part.indexOf('!=');
    if (ne > 0) {
      reqs.push({ op: 'notin', key: part.slice(0, ne).trim(), values: [part.slice(ne + 2).trim()] });
      continue;
    }
    const eq = part.indexOf('=');
    if (eq > 0) {
      const value = part.slice(part[eq + 1] === '=' ? eq + 2 : eq + 1).trim();
      reqs.push({ op: 'in', key: part.slice(0, eq).trim(), values: [value] });
      continue;
    }
    if (part.startsWith('!')) {
      reqs.push({ op: '!exists', key: part.slice(1).trim() });
      continue;
    }
    if (/^[^\s=!()]+$/.test(part)) {
      reqs.push({ op: 'exists', key: part });
      continue;
    }
    throw badRequest(`unable to parse requirement: invalid label selector "${selector}"`);
  }
  return reqs;
}

export function matchLabels(reqs: readonly LabelRequirement[], labels: Labels | undefined): boolean {
  for (const r of reqs) {
    const has = labels !== undefined && Object.hasOwn(labels, r.key);
    const value = has ? labels[r.key] : undefined;
    switch (r.op) {
      case 'in':
        if (value === undefined || !r.values.includes(value)) return false;
        break;
      case 'notin':
        // Like kube: `key!=v` and `notin` also match objects without the label.
        if (value !== undefined && r.values.includes(value)) return false;
        break;
      case 'exists':
        if (!has) return false;
        break;
      case '!exists':
        if (has) return false;
        break;
    }
  }
  return true;
}

export interface FieldRequirement {
  readonly key: string;
  readonly value: string;
  readonly negate: boolean;
}

export function parseFieldSelector(selector: string, supported: readonly string[]): FieldRequirement[] {
  const reqs: FieldRequirement[] = [];
  for (const part of selector.split(',').map((p) => p.trim())) {
    if (part === '') continue;
    const m = /^([^=!]+)(!=|==|=)(.*)$/.exec(part);
    if (m === null) throw badRequest(`invalid field selector: "${part}"`);
    const key = m[1]!.trim();
    if (!supported.includes(key)) {
      throw badRequest(`field label not supported: ${key}`);
    }
    reqs.push({ key, value: m[3]!.trim(), negate: m[2] === '!=' });
  }
  return reqs;
}

export function matchFields(reqs: readonly FieldRequirement[], fields: Readonly<Record<string, string>>): boolean {
  for (const r of reqs) {
    const v = fields[r.key] ?? '';
    if (r.negate ? v === r.value : v !== r.value) return false;
  }
  return true;
}
