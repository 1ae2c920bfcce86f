// Bench-only preload (`node --import bench/trace/stallTrace.mjs`): records the main thread's event-loop
// stalls longer than STALL_TRACE_MS (default 50) and every GC pause (perf_hooks 'gc' entries), on the
// monotonic clock in microseconds that V8's CPU profiles use, and writes them to STALL_TRACE_OUT when
// the process exits. bench/trace/stalls.ts lines them up with a `--cpu-prof` profile of the same run, so
// a stall is attributed to the code (or the collector) that ran while the loop was blocked.
import { writeFileSync } from 'node:fs';
import { constants, PerformanceObserver, performance } from 'node:perf_hooks';
import { isMainThread } from 'node:worker_threads';

const out = process.env.STALL_TRACE_OUT;
if (isMainThread && out) {
  const thresholdMs = Number(process.env.STALL_TRACE_MS ?? 50);
  const tickMs = 5;
  // performance.now() → CLOCK_MONOTONIC µs (uv_hrtime, like V8's TimeTicks in a CPU profile).
  const offsetUs = Number(process.hrtime.bigint() / 1000n) - performance.now() * 1000;
  const mono = (ms) => Math.round(ms * 1000 + offsetUs);
  const stalls = [];
  const gcs = [];
  const kinds = {
    [constants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact',
    [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
    [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak-callbacks',
  };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries())
      gcs.push({ startUs: mono(e.startTime), ms: e.duration, kind: kinds[e.detail?.kind] ?? String(e.detail?.kind) });
  }).observe({ entryTypes: ['gc'] });
  let last = performance.now();
  const tick = () => {
    const now = performance.now();
    if (now - last - tickMs > thresholdMs)
      stalls.push({ startUs: mono(last + tickMs), endUs: mono(now), ms: now - last - tickMs });
    last = now;
    setTimeout(tick, tickMs).unref();
  };
  setTimeout(tick, tickMs).unref();
  process.on('exit', () => {
    writeFileSync(out, JSON.stringify({ thresholdMs, stalls, gcs }));
  });
}
