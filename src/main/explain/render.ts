// An explanation as text: a human report by default (sections and aligned tables, like the load
// generator's summary), or the whole structure as JSON or YAML for scripts (src/main/explain/types.ts
// is the documented shape). Human tables show at most HUMAN_ROWS rows each; JSON and YAML show all.

import YAML from 'yaml';
import { deviceText, reasonText, relativeText } from './format.js';
import type { BrakesView, DeviceTaintView, Explanation, PodExplanation, RuleExplanation, StartView } from './types.js';

export type OutputFormat = 'human' | 'json' | 'yaml';

export const HUMAN_ROWS = 100;

export function render(explanation: Explanation, format: OutputFormat): string {
  if (format === 'json') return `${JSON.stringify(explanation, null, 2)}\n`;
  if (format === 'yaml') return YAML.stringify(explanation, { lineWidth: 0 });
  return explanation.kind === 'PodExplanation' ? renderPod(explanation) : renderRule(explanation);
}

/** Aligned columns with a header row; the last column is not padded. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[], indent = '  '): string[] {
  const shown = rows.slice(0, HUMAN_ROWS);
  const widths = headers.map((h, i) => Math.max(h.length, ...shown.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    `${indent}${cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ')}`.trimEnd();
  const out = [line(headers), ...shown.map(line)];
  if (rows.length > shown.length)
    out.push(`${indent}… ${rows.length - shown.length} more (-o json or -o yaml lists all)`);
  return out;
}

const section = (title: string, lines: readonly string[]): string[] => ['', title, ...lines];

function brakesLines(brakes: BrakesView): string[] {
  return section(
    'WHAT THE BRAKES WOULD DO (estimated from the given brake flags and rule annotations; the brakes assumed idle now)',
    brakes.summary.map((l) => `  ${l}`),
  );
}

function notesLines(notes: readonly string[]): string[] {
  return notes.length === 0
    ? []
    : section(
        'NOTES',
        notes.map((n) => `  - ${n}`),
      );
}

function taintFrom(t: DeviceTaintView): string {
  return t.source === 'rule' ? `rule ${t.rule}` : `slice ${t.slice} #${t.index}`;
}

function taintOutcome(t: DeviceTaintView, now: number): string {
  switch (t.outcome) {
    case 'evicts':
      return `evicts at ${t.evictAt} (${relativeText(Date.parse(t.evictAt ?? ''), now)}): no matching toleration`;
    case 'delayed':
      return `evicts at ${t.evictAt} (${relativeText(Date.parse(t.evictAt ?? ''), now)}): tolerated for ${t.toleratedBy?.tolerationSeconds ?? 0}s`;
    case 'toleratedForever':
      return 'tolerated forever';
    case 'notEvicting':
      return t.source === 'rule' && t.taint.effect === 'NoExecute'
        ? 'not evicting'
        : `never evicts (effect ${t.taint.effect})`;
  }
}

function startText(s: StartView | null, now: number): string {
  if (s === null) return '-';
  if (s.heldByBreaker) return 'held (breaker)';
  if (s.startAt === null) return '-';
  const by = s.delayedBy.length === 0 ? '' : ` (${s.delayedBy.join('+')} rate)`;
  return `${relativeText(Date.parse(s.startAt), now)}${by}`;
}

export function renderPod(e: PodExplanation): string {
  const now = Date.parse(e.generatedAt);
  const out: string[] = [
    `Pod ${e.pod.namespace}/${e.pod.name}  uid ${e.pod.uid}  ${e.pod.nodeName === null ? 'not scheduled' : `node ${e.pod.nodeName}`}${e.pod.podGroup === null ? '' : `  PodGroup ${e.pod.podGroup}`}${e.pod.deletionTimestamp === null ? '' : `  being deleted since ${e.pod.deletionTimestamp}`}`,
    `Server ${e.server}  at ${e.generatedAt}`,
    '',
    `VERDICT  ${e.summary}`,
  ];
  out.push(
    ...section(
      'CLAIMS',
      e.claims.length === 0
        ? ['  (none)']
        : table(
            ['ENTRY', 'CLAIM', 'STATUS', 'EVICTION', 'DETAIL'],
            e.claims.map((c) => [
              c.entry,
              c.claim ?? '-',
              c.status,
              c.eviction === null ? '-' : `${c.eviction.at} (${relativeText(Date.parse(c.eviction.at), now)})`,
              c.detail,
            ]),
          ),
    ),
  );
  const rows: string[][] = [];
  for (const c of e.claims)
    for (const d of c.devices) {
      const counts = c.status === 'used' ? '' : ' (does not count)';
      const published = d.publishedBy === null ? ' (no current slice)' : '';
      if (d.taints.length === 0)
        rows.push([`${c.claim ?? '-'}${counts}`, `${deviceText(d)}${published}`, '-', '-', '-', '-', 'no taints']);
      for (const t of d.taints)
        rows.push([
          `${c.claim ?? '-'}${counts}`,
          `${deviceText(d)}${published}`,
          t.text,
          taintFrom(t),
          `${t.taint.timeAdded ?? '-'}${t.timeAddedAssumed ? ' (assumed)' : ''}`,
          t.toleratedBy?.text ??
            (t.ignoredTolerations.length > 0 ? `ignored: ${t.ignoredTolerations.map((x) => x.text).join(', ')}` : '-'),
          taintOutcome(t, now),
        ]);
    }
  if (rows.length > 0)
    out.push(
      ...section(
        'DEVICES AND TAINTS',
        table(['CLAIM', 'DEVICE', 'TAINT', 'FROM', 'ADDED', 'TOLERATION', 'OUTCOME'], rows),
      ),
    );
  if (e.verdict.kind === 'evict' && e.verdict.reasons.length > 0)
    out.push(
      ...section(
        'REASONS (as the controller records them)',
        e.verdict.reasons.map((r) => `  ${r}  = ${reasonText(r)}`),
      ),
    );
  out.push(...brakesLines(e.brakes));
  out.push(...notesLines(e.notes));
  return `${out.join('\n')}\n`;
}

export function renderRule(e: RuleExplanation): string {
  const now = Date.parse(e.generatedAt);
  const r = e.rule;
  const header: [string, string][] = [
    ['taint', `${r.text}${r.taint.timeAdded === null ? '' : ` (added ${r.taint.timeAdded})`}`],
    ['selector', r.selectorText],
    ['status', r.status === null ? '(none yet)' : `${r.status.reason}: ${r.status.message}`],
    [
      'start rate',
      r.maxEvictionsPerMinute === null
        ? '(no annotation)'
        : `${r.maxEvictionsPerMinute} eviction${r.maxEvictionsPerMinute === 1 ? '' : 's'} per minute (annotation)`,
    ],
  ];
  const width = Math.max(...header.map(([k]) => k.length));
  const out: string[] = [
    `DeviceTaintRule ${r.name}  uid ${r.uid}  generation ${r.generation}`,
    ...header.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`),
    `Server ${e.server}  at ${e.generatedAt}`,
  ];
  const dryRun =
    e.preview.dryRun === null
      ? null
      : `${e.preview.dryRun.pods} pod(s) in ${e.preview.dryRun.namespaces} namespace(s) would be evicted with NoExecute (the controller's dry run: what a None rule's status counts)`;
  if (e.preview.simulated) {
    out.push('', `PREVIEW as NoExecute: ${e.preview.method}`);
    if (dryRun !== null) out.push(`  ${dryRun}`);
  } else if (dryRun !== null) out.push('', `DRY RUN  ${dryRun}`);
  out.push('', `SUMMARY  ${e.summary}`);
  const deviceRows: string[][] = [
    ...e.devices.published.map((d) => [deviceText(d), `slice ${d.slice}`, d.node || '-']),
  ];
  out.push(
    ...section(
      `SELECTED DEVICES (${e.devices.published.length} published in current slices)`,
      deviceRows.length === 0 ? ['  (none)'] : table(['DEVICE', 'PUBLISHED BY', 'NODE'], deviceRows),
    ),
  );
  out.push(
    ...section(
      `ALLOCATED ON SELECTED DEVICES (${e.devices.allocated.length} allocation results)`,
      e.devices.allocated.length === 0
        ? ['  (none)']
        : table(
            ['NAMESPACE', 'CLAIM', 'REQUEST', 'DEVICE'],
            e.devices.allocated.map((a) => [a.namespace, a.claim, a.request, deviceText(a)]),
          ),
    ),
  );
  const evictRows = e.evictions.byNamespace.flatMap((g) =>
    g.pods.map((p) => [
      g.namespace,
      `${p.name}${p.terminating ? ' (terminating)' : ''}`,
      `${p.evictAt} (${relativeText(Date.parse(p.evictAt), now)})`,
      p.ruleDueAt === p.evictAt ? 'same' : p.ruleDueAt,
      startText(p.start, now),
      p.otherReasons.length === 0 ? '-' : p.otherReasons.map(reasonText).join('; '),
    ]),
  );
  const evictTitle =
    e.preview.effect === 'NoExecute'
      ? `${e.preview.simulated ? 'WOULD EVICT' : 'EVICTS'} (${e.evictions.pods} pod(s) in ${e.evictions.namespaces} namespace(s))`
      : 'EVICTS (none: the effect is not NoExecute)';
  out.push(
    ...section(
      evictTitle,
      evictRows.length === 0
        ? ['  (none)']
        : table(['NAMESPACE', 'POD', 'EVICT AT', 'THIS RULE ALONE', 'START (BRAKES)', 'OTHER REASONS'], evictRows),
    ),
  );
  const protectedRows = e.protected.byNamespace.flatMap((g) =>
    g.pods.map((p) => [g.namespace, p.name, p.claim, p.device, p.toleration]),
  );
  out.push(
    ...section(
      `PROTECTED BY TOLERATIONS (${e.protected.pods} pod(s) tolerating the taint forever)`,
      protectedRows.length === 0
        ? ['  (none)']
        : table(['NAMESPACE', 'POD', 'CLAIM', 'DEVICE', 'TOLERATION'], protectedRows),
    ),
  );
  out.push(...brakesLines(e.brakes));
  out.push(...notesLines(e.notes));
  return `${out.join('\n')}\n`;
}
