// Summarizes V8 CPU profiles (`node --cpu-prof`) into the frames with the most self time, per thread,
// so REPORT.md can say what limits a benchmark from a measurement rather than a guess.

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { benchDir } from './harness.js';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly hitCount?: number;
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
}

export interface FrameShare {
  readonly frame: string;
  /** Self time in ms (CPU profiles) or live MB (heap profiles): see `ThreadProfile.unit`. */
  readonly selfMs: number;
  readonly percent: number;
}

export interface ThreadProfile {
  /** `main` for thread 0, else `thread <id>`. */
  readonly thread: string;
  readonly unit: 'ms' | 'MB';
  readonly totalMs: number;
  /** Share of samples that were not idle/GC/program. */
  readonly busyPercent: number;
  readonly top: readonly FrameShare[];
}

const isCpuProfile = (v: unknown): v is CpuProfile =>
  typeof v === 'object' && v !== null && Array.isArray((v as { nodes?: unknown }).nodes);

const repoRoot = join(benchDir, '..');

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.startsWith('file://') ? relative(repoRoot, new URL(url).pathname) : url;
  const name = functionName === '' ? '(anonymous)' : functionName;
  if (file === '') return name;
  // tsx-transpiled modules report line 0 for everything: the file is the useful part then.
  return lineNumber > 0 ? `${name} ${file}:${lineNumber + 1}` : `${name} ${file}`;
}

export function summarizeProfile(profile: CpuProfile, thread: string, top = 12): ThreadProfile {
  const totalHits = profile.nodes.reduce((n, node) => n + (node.hitCount ?? 0), 0);
  const totalMs = (profile.endTime - profile.startTime) / 1000;
  const msPerHit = totalHits > 0 ? totalMs / totalHits : 0;
  const byFrame = new Map<string, number>();
  let idle = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    if (node.callFrame.functionName === '(idle)') {
      idle += hits;
      continue;
    }
    const key = frameName(node);
    byFrame.set(key, (byFrame.get(key) ?? 0) + hits);
  }
  // Shares are of the busy samples: a phase that waits (idle) must not dilute what its work consists of.
  const busyHits = totalHits - idle;
  const frames = [...byFrame.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([frame, hits]) => ({ frame, selfMs: hits * msPerHit, percent: busyHits > 0 ? (hits / busyHits) * 100 : 0 }));
  return {
    thread,
    unit: 'ms',
    totalMs,
    busyPercent: totalHits > 0 ? ((totalHits - idle) / totalHits) * 100 : 0,
    top: frames,
  };
}

interface HeapNode {
  readonly callFrame: ProfileNode['callFrame'];
  readonly selfSize: number;
  readonly children: readonly HeapNode[];
}

const isHeapProfile = (v: unknown): v is { head: HeapNode } =>
  typeof v === 'object' && v !== null && typeof (v as { head?: unknown }).head === 'object';

/** Live bytes by allocating frame (self), from a sampling heap profile: reported like a CPU profile, in MB. */
export function summarizeHeapProfile(profile: { head: HeapNode }, label: string, top = 12): ThreadProfile {
  const byFrame = new Map<string, number>();
  let total = 0;
  const stack: HeapNode[] = [profile.head];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (node.selfSize > 0) {
      const key = frameName({ id: 0, callFrame: node.callFrame });
      byFrame.set(key, (byFrame.get(key) ?? 0) + node.selfSize);
      total += node.selfSize;
    }
    stack.push(...node.children);
  }
  const mb = 2 ** 20;
  return {
    thread: `${label}: live heap by allocating function`,
    unit: 'MB',
    totalMs: total / mb,
    busyPercent: 100,
    top: [...byFrame.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([frame, bytes]) => ({ frame, selfMs: bytes / mb, percent: total > 0 ? (bytes / total) * 100 : 0 })),
  };
}

/** Every `*.cpuprofile` in `dir` (one per thread), main thread first. */
export function summarizeProfileDir(dir: string, top = 12): ThreadProfile[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  const out: { tid: number; summary: ThreadProfile }[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.heapprofile'))) {
    const parsed: unknown = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    if (isHeapProfile(parsed))
      out.push({ tid: 1_000_000, summary: summarizeHeapProfile(parsed, file.replace(/\.heapprofile$/, ''), top) });
  }
  for (const file of files) {
    const parsed: unknown = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    if (!isCpuProfile(parsed)) continue;
    // node --cpu-prof names files CPU.<date>.<time>.<pid>.<tid>.<seq>.cpuprofile; ours are <phase>.cpuprofile.
    const match = /^CPU\.\d+\.\d+\.\d+\.(\d+)\.\d+\.cpuprofile$/.exec(file);
    const tid = match === null ? -1 : Number(match[1]);
    const label = match === null ? file.replace(/\.cpuprofile$/, '') : tid === 0 ? 'main' : `thread ${tid}`;
    out.push({ tid, summary: summarizeProfile(parsed, label, top) });
  }
  return out.sort((a, b) => a.tid - b.tid).map((o) => o.summary);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2];
  if (dir === undefined) throw new Error('usage: tsx bench/profile.ts <dir with .cpuprofile files>');
  for (const t of summarizeProfileDir(dir)) {
    console.log(`\n${t.thread}: ${t.totalMs.toFixed(0)} ms, ${t.busyPercent.toFixed(0)} % busy`);
    for (const f of t.top)
      console.log(`${f.percent.toFixed(1).padStart(5)} %  ${f.selfMs.toFixed(0).padStart(6)} ms  ${f.frame}`);
  }
}
