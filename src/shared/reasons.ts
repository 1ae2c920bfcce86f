// Build, parse and order `ReasonId`s (src/shared/decisions.ts). Reasons are compact strings because they
// cross thread boundaries with every schedule; the order is upstream's (docs/behaviour.md §2.5): rule reasons first,
// by rule name, then slice reasons by driver, pool, device name and taint index.
//
// Formats (no part can contain the separators where they are searched for):
// - `rule:<ruleName>:<ruleUid>`: rule names are DNS subdomains (no `:`); the UID is split off at the last `:`.
// - `slice:<driver>/<pool>/<sliceName>/<device>#<taintIndex>`: driver, slice and device names have no `/`,
//   pool names may (they are slash-separated DNS subdomains), so driver is cut at the first `/`, device
//   and slice at the last two.

import type { ReasonId } from './decisions.js';

export type { ReasonId };

export interface RuleReason {
  readonly kind: 'rule';
  readonly ruleName: string;
  readonly ruleUid: string;
}

export interface SliceReason {
  readonly kind: 'slice';
  readonly driver: string;
  readonly pool: string;
  readonly sliceName: string;
  readonly device: string;
  readonly taintIndex: number;
}

export type ParsedReason = RuleReason | SliceReason;

const RULE_PREFIX = 'rule:';
const SLICE_PREFIX = 'slice:';

export const ruleReason = (ruleName: string, ruleUid: string): ReasonId => `${RULE_PREFIX}${ruleName}:${ruleUid}`;

export const sliceReason = (
  driver: string,
  pool: string,
  sliceName: string,
  device: string,
  taintIndex: number,
): ReasonId => `${SLICE_PREFIX}${driver}/${pool}/${sliceName}/${device}#${taintIndex}`;

export const isRuleReason = (id: ReasonId): boolean => id.startsWith(RULE_PREFIX);

/** Parses a reason id; `null` for anything malformed (never throws: ids cross thread boundaries). */
export function parseReason(id: ReasonId): ParsedReason | null {
  if (id.startsWith(RULE_PREFIX)) {
    const rest = id.slice(RULE_PREFIX.length);
    const colon = rest.lastIndexOf(':');
    if (colon <= 0) return null;
    return { kind: 'rule', ruleName: rest.slice(0, colon), ruleUid: rest.slice(colon + 1) };
  }
  if (id.startsWith(SLICE_PREFIX)) {
    const rest = id.slice(SLICE_PREFIX.length);
    const hash = rest.lastIndexOf('#');
    if (hash < 0) return null;
    const taintIndex = Number(rest.slice(hash + 1));
    if (!Number.isInteger(taintIndex) || taintIndex < 0 || rest.slice(hash + 1) === '') return null;
    const path = rest.slice(0, hash);
    const firstSlash = path.indexOf('/');
    const lastSlash = path.lastIndexOf('/');
    const sliceSlash = path.lastIndexOf('/', lastSlash - 1);
    if (firstSlash <= 0 || sliceSlash <= firstSlash) return null;
    return {
      kind: 'slice',
      driver: path.slice(0, firstSlash),
      pool: path.slice(firstSlash + 1, sliceSlash),
      sliceName: path.slice(sliceSlash + 1, lastSlash),
      device: path.slice(lastSlash + 1),
      taintIndex,
    };
  }
  return null;
}

// Rule reasons are few (one per rule) but looked up for every scheduled pod: memoize them, bounded so
// that a churn of rule UIDs cannot grow it without limit.
const ruleReasonCache = new Map<ReasonId, RuleReason | null>();
const RULE_REASON_CACHE_LIMIT = 4096;

/** Rule name and UID of a rule reason, or `null` for slice (or malformed) reasons. */
export function ruleOfReason(id: ReasonId): RuleReason | null {
  if (!id.startsWith(RULE_PREFIX)) return null;
  const cached = ruleReasonCache.get(id);
  if (cached !== undefined) return cached;
  const parsed = parseReason(id);
  const rule = parsed !== null && parsed.kind === 'rule' ? parsed : null;
  if (ruleReasonCache.size >= RULE_REASON_CACHE_LIMIT) ruleReasonCache.clear();
  ruleReasonCache.set(id, rule);
  return rule;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function compareParsed(a: ParsedReason, b: ParsedReason): number {
  if (a.kind === 'rule') return b.kind === 'rule' ? cmp(a.ruleName, b.ruleName) || cmp(a.ruleUid, b.ruleUid) : -1;
  if (b.kind === 'rule') return 1;
  return (
    cmp(a.driver, b.driver) ||
    cmp(a.pool, b.pool) ||
    cmp(a.device, b.device) ||
    a.taintIndex - b.taintIndex ||
    // Not part of upstream's order; only breaks ties between duplicate device names in one pool.
    cmp(a.sliceName, b.sliceName)
  );
}

/** Total order of reasons; malformed ids sort last, by their text. */
export function compareReasons(a: ReasonId, b: ReasonId): number {
  if (a === b) return 0;
  const pa = parseReason(a);
  const pb = parseReason(b);
  if (pa === null || pb === null) {
    if (pa !== null) return -1;
    if (pb !== null) return 1;
    return cmp(a, b);
  }
  return compareParsed(pa, pb) || cmp(a, b);
}

/** Sorted union of two sorted, duplicate-free reason lists. */
export function mergeReasons(a: readonly ReasonId[], b: readonly ReasonId[]): readonly ReasonId[] {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  const out: ReasonId[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const c = compareReasons(a[i]!, b[j]!);
    if (c < 0) out.push(a[i++]!);
    else if (c > 0) out.push(b[j++]!);
    else {
      out.push(a[i++]!);
      j++;
    }
  }
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return out;
}
