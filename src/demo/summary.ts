// The table the demo ends with: per act, what was evicted, whether anything was evicted that should not
// have been, how late evictions were against their due time, and what it cost in API calls. Latency
// percentiles come from the load generator's HDR histogram helper, so the numbers read the same there.

import { latencySummary } from '../load/report.js';
import type { SimVerb } from '../sim/index.js';

export const VERBS: readonly SimVerb[] = ['discovery', 'list', 'watch', 'get', 'create', 'update', 'patch', 'delete'];

export type VerbCounts = Readonly<Record<SimVerb, number>>;

export interface ActEviction {
  readonly pod: string;
  /** Deletion landed − due time (max of taint time + tolerationSeconds and the moment the taint was written). */
  readonly latencyMs: number;
}

export interface ActSummary {
  readonly title: string;
  readonly evictions: readonly ActEviction[];
  readonly wrongful: number;
  /** API requests the controller made while the act ran, by verb. */
  readonly apiCalls: VerbCounts;
  readonly ok: boolean;
}

export interface DemoTotals {
  readonly apiCalls: VerbCounts;
  /** Pod status patches + Events + pod deletions, per eviction; null without evictions. */
  readonly writesPerEviction: number | null;
  readonly evictions: number;
  readonly wrongful: number;
  readonly durationMs: number;
}

export const zeroVerbs = (): Record<SimVerb, number> => ({
  discovery: 0,
  list: 0,
  watch: 0,
  get: 0,
  create: 0,
  update: 0,
  patch: 0,
  delete: 0,
});

export function verbDelta(after: VerbCounts, before: VerbCounts): VerbCounts {
  const out = zeroVerbs();
  for (const v of VERBS) out[v] = after[v] - before[v];
  return out;
}

/** `patch 3, create 3, delete 3` — only the verbs that were used. */
export function formatVerbs(counts: VerbCounts): string {
  const used = VERBS.filter((v) => counts[v] > 0).map((v) => `${v} ${counts[v]}`);
  return used.length === 0 ? '-' : used.join(', ');
}

const ms = (v: number): string => (v < 10_000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(1)} s`);

/** Padded columns ('r' for numbers), readable without box-drawing characters. */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  align: readonly ('l' | 'r')[] = [],
): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const cell = (text: string, i: number) => (align[i] === 'r' ? text.padStart(widths[i]!) : text.padEnd(widths[i]!));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => cell(c, i))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

export function formatSummaryTable(acts: readonly ActSummary[], totals: DemoTotals): string {
  const rows = acts.map((a) => {
    const latency = latencySummary(a.evictions.map((e) => e.latencyMs));
    return [
      a.title,
      String(a.evictions.length),
      String(a.wrongful),
      latency === null ? '-' : ms(latency.p50),
      latency === null ? '-' : ms(latency.max),
      formatVerbs(a.apiCalls),
      a.ok ? 'ok' : 'FAILED',
    ];
  });
  const all = latencySummary(acts.flatMap((a) => a.evictions.map((e) => e.latencyMs)));
  rows.push([
    'total',
    String(totals.evictions),
    String(totals.wrongful),
    all === null ? '-' : ms(all.p50),
    all === null ? '-' : ms(all.max),
    formatVerbs(totals.apiCalls),
    acts.every((a) => a.ok) ? 'ok' : 'FAILED',
  ]);
  const table = formatTable(
    ['act', 'evicted', 'wrongful', 'p50 late', 'max late', 'API calls by the controller', 'result'],
    rows,
    ['l', 'r', 'r', 'r', 'r', 'l', 'l'],
  );
  const perEviction =
    totals.writesPerEviction === null
      ? 'no evictions'
      : `${totals.writesPerEviction.toFixed(1)} writes per eviction (status patch + event + delete; upstream: 4 calls with a GET)`;
  return [
    table,
    '',
    `API calls per eviction: ${perEviction}`,
    `Wrongful evictions: ${totals.wrongful}${totals.wrongful === 0 ? ' (none, as it must be)' : ' (MUST BE 0)'}`,
    `Finished in ${(totals.durationMs / 1000).toFixed(1)} s`,
  ].join('\n');
}
