// Attributes event-loop stalls recorded by bench/trace/stallTrace.mjs to what ran during them, from a
// `--cpu-prof` profile of the same process (main thread): per stall, the collector's pauses inside it and
// the frames with the most samples (self), plus the innermost frame of our own code (src/, dist/) on the
// stack of each sample, which names the phase or handler that held the loop.
//
//   node --import tsx bench/trace/stalls.ts <stalls.json> <main-thread.cpuprofile> [top]

import { readFileSync } from 'node:fs';

interface Node {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly Node[];
  readonly startTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}
interface Trace {
  readonly thresholdMs: number;
  readonly stalls: readonly { startUs: number; endUs: number; ms: number }[];
  readonly gcs: readonly { startUs: number; ms: number; kind: string }[];
}

const [tracePath, profilePath, topArg] = process.argv.slice(2);
if (tracePath === undefined || profilePath === undefined) throw new Error('usage: stalls.ts <stalls.json> <profile>');
const top = Number(topArg ?? 6);
const trace = JSON.parse(readFileSync(tracePath, 'utf8')) as Trace;
const profile = JSON.parse(readFileSync(profilePath, 'utf8')) as Profile;

const byId = new Map<number, Node>();
const parent = new Map<number, number>();
for (const n of profile.nodes) {
  byId.set(n.id, n);
  for (const c of n.children ?? []) parent.set(c, n.id);
}
const short = (url: string) => url.replace(/^file:\/\/.*?\/(src|dist|bench|node_modules)\//, '$1/');
const name = (n: Node) =>
  `${n.callFrame.functionName || '(anonymous)'} ${short(n.callFrame.url)}${n.callFrame.lineNumber >= 0 && n.callFrame.url ? `:${n.callFrame.lineNumber + 1}` : ''}`.trim();
const ours = (n: Node) => /\/(src|dist)\//.test(n.callFrame.url) && !n.callFrame.url.includes('node_modules');
function innermostOurs(id: number): string {
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const n = byId.get(cur);
    if (n !== undefined && ours(n)) return name(n);
  }
  return '(no frame of ours)';
}
function outermostOurs(id: number): string {
  let found = '(no frame of ours)';
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const n = byId.get(cur);
    if (n !== undefined && ours(n)) found = name(n);
  }
  return found;
}

const times: number[] = [];
let t = profile.startTime;
for (const d of profile.timeDeltas) {
  t += d;
  times.push(t);
}
const lowerBound = (x: number) => {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((times[mid] ?? 0) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
};
const topOf = (m: Map<string, number>, total: number) =>
  [...m.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, v]) => `${((100 * v) / total).toFixed(0)}% ${k}`);

const byKind = new Map<string, number[]>();
for (const g of trace.gcs) byKind.set(g.kind, [...(byKind.get(g.kind) ?? []), g.ms]);
const pct = (xs: readonly number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? 0;
console.log(`GC pauses (main thread, whole run):`);
for (const [k, xs] of byKind) {
  xs.sort((a, b) => a - b);
  const total = xs.reduce((a, b) => a + b, 0);
  console.log(
    `  ${k}: ${xs.length} pauses, ${total.toFixed(0)} ms total, p50 ${pct(xs, 50).toFixed(1)} ms, p95 ${pct(xs, 95).toFixed(1)} ms, longest ${(xs.at(-1) ?? 0).toFixed(1)} ms, ${xs.filter((x) => x >= trace.thresholdMs).length} ≥ ${trace.thresholdMs} ms`,
  );
}
const longGc = trace.gcs.filter((g) => g.ms >= trace.thresholdMs).map((g) => `${g.kind} ${g.ms.toFixed(0)}`);
console.log(`  pauses ≥ ${trace.thresholdMs} ms: ${longGc.length === 0 ? 'none' : longGc.join(', ')}`);
console.log(`\n${trace.stalls.length} stalls > ${trace.thresholdMs} ms (longest first):`);
for (const s of [...trace.stalls].sort((a, b) => b.ms - a.ms).slice(0, 15)) {
  const from = lowerBound(s.startUs);
  const to = lowerBound(s.endUs);
  const self = new Map<string, number>();
  const inner = new Map<string, number>();
  const outer = new Map<string, number>();
  for (let i = from; i < to; i++) {
    const id = profile.samples[i] ?? 0;
    const n = byId.get(id);
    if (n === undefined) continue;
    self.set(name(n), (self.get(name(n)) ?? 0) + 1);
    const io = innermostOurs(id);
    inner.set(io, (inner.get(io) ?? 0) + 1);
    const oo = outermostOurs(id);
    outer.set(oo, (outer.get(oo) ?? 0) + 1);
  }
  const n = Math.max(1, to - from);
  const gcIn = trace.gcs.filter((g) => g.startUs < s.endUs && g.startUs + g.ms * 1000 > s.startUs);
  const gcMs = gcIn.reduce((a, g) => a + g.ms, 0);
  console.log(
    `\n- ${s.ms.toFixed(0)} ms at +${((s.startUs - profile.startTime) / 1e6).toFixed(2)} s: ${to - from} samples; GC inside ${gcMs.toFixed(0)} ms (${gcIn.map((g) => `${g.kind} ${g.ms.toFixed(0)}`).join(', ')})`,
  );
  console.log(`  self:      ${topOf(self, n).join(' | ')}`);
  console.log(`  ours (in): ${topOf(inner, n).join(' | ')}`);
  console.log(`  ours (out): ${topOf(outer, n).join(' | ')}`);
}
