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
  /** Pod status patches + their Events + pod deletions, per eviction; null without evictions. */
  readonly writesPerEviction: number | null;
  /** "Cancelling deletion" Events: written for cancellations, not evictions. */
  readonly cancellationEvents: number;
  /** Events about the breaker (EvictionBreakerOpen, on its ConfigMap and on rules). */
  readonly breakerEvents: number;
  /** The controller's reads (the keeper's, every 2 s: part of `get`) and writes of the breaker's record. */
  readonly breakerRecordReads: number;
  readonly breakerRecordWrites: number;
  readonly evictions: number;
  readonly wrongful: number;
  readonly durationMs: number;
}

/** Act 5 in numbers, for the summary's last words on the breaker. */
export interface BreakerSummary {
  readonly limit: number;
  readonly windowMinutes: number;
  readonly usedBefore: number;
  readonly evictedBeforeOpen: number;
  readonly heldAtOpen: number;
  readonly cancelledByRuleDelete: number;
  readonly releasedByReset: number;
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

export function formatSummaryTable(
  acts: readonly ActSummary[],
  totals: DemoTotals,
  breaker: BreakerSummary | null = null,
): string {
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
  const besides = [
    totals.cancellationEvents > 0 ? `${totals.cancellationEvents} "Cancelling deletion" events` : null,
    totals.breakerEvents > 0 ? `${totals.breakerEvents} EvictionBreakerOpen events` : null,
  ].filter((part): part is string => part !== null);
  const lines = [
    table,
    '',
    `API calls per eviction: ${perEviction}${besides.length === 0 ? '' : `; besides: ${besides.join(', ')}`}`,
  ];
  if (totals.breakerRecordReads > 0 || totals.breakerRecordWrites > 0)
    lines.push(
      `The breaker's record (a ConfigMap): ${totals.breakerRecordReads} reads (every 2 s, in the get column), ` +
        `${totals.breakerRecordWrites} writes`,
    );
  if (breaker !== null)
    lines.push(
      `The breaker: ${breaker.limit} evictions allowed in ${breaker.windowMinutes} min, ${breaker.usedBefore} used ` +
        `by acts 1–4; the runaway rule got ${breaker.evictedBeforeOpen}, then it opened holding ` +
        `${breaker.heldAtOpen}; deleting the rule cancelled ${breaker.cancelledByRuleDelete}, the reset released ` +
        `${breaker.releasedByReset} (act 5's max late: held until the reset)`,
    );
  lines.push(
    `Wrongful evictions: ${totals.wrongful}${totals.wrongful === 0 ? ' (none, as it must be)' : ' (MUST BE 0)'}`,
    `Finished in ${(totals.durationMs / 1000).toFixed(1)} s`,
  );
  return lines.join('\n');
}
