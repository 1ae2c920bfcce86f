// The V8 heap caps of the shard worker threads (issue 12: "Cap worker heaps"). A worker holds one queue
// partition: ≈ 530 bytes of heap per scheduled eviction (bench/workerQueueBytes.ts), and after a crash
// its replacement receives the whole partition again in one replay message, so a cap is sized for the
// most evictions a storm can queue in one partition, plus that replay. A worker over its cap dies with
// ERR_WORKER_OUT_OF_MEMORY and is replaced like any crashed worker (supervisor.ts); a cap too small
// for its partition would make the replacement die the same way, again and again (with backoff).
//
// V8 caveat, measured on Node 20: a process-wide `--max-old-space-size` (NODE_OPTIONS, as deploy/ sets
// it for the main thread) overrides every isolate's own limit, so a worker's
// `resourceLimits.maxOldGenerationSizeMb` is silently ignored and the worker gets the main thread's
// cap. V8 reads that flag only when it configures a new isolate's heap (as its own tests do when they
// set it before Isolate::New), so when the process has the flag, it is set to the worker cap right
// before a worker is created: the main thread's heap, configured at start-up, keeps its cap. Likewise
// `--max-semi-space-size` for the young generation.

import v8 from 'node:v8';
import type { ResourceLimits } from 'node:worker_threads';

export interface WorkerHeapLimits {
  /** Old generation cap of each shard worker in MB (V8's maxOldGenerationSizeMb). */
  readonly maxOldGenerationMb: number;
  /** Young generation cap in MB (three semi-spaces); 0 = V8's default (48 MB on 64-bit). */
  readonly maxYoungGenerationMb: number;
}

/**
 * Measured heap per scheduled eviction in a worker partition (bench/workerQueueBytes.ts: 528 B, rounded
 * up), and what the replay after a crash adds while its message is applied (the deserialized ops).
 */
export const WORKER_BYTES_PER_ENTRY = 560;
export const WORKER_REPLAY_BYTES_PER_ENTRY = 260;
/** An empty worker's heap (runtime, executor, HTTP client), with room to spare. */
export const WORKER_BASE_HEAP_MB = 48;

/** The old-generation cap that holds `entries` scheduled evictions in one partition through a replay. */
export const workerOldSpaceMbFor = (entries: number): number =>
  Math.ceil(WORKER_BASE_HEAP_MB + (entries * (WORKER_BYTES_PER_ENTRY + WORKER_REPLAY_BYTES_PER_ENTRY)) / 2 ** 20);

/**
 * Default: one partition holding a million scheduled evictions (every pod of a 1M-pod cluster in one
 * worker's queue, e.g. `--workers 1` and a rule over every device) survives a crash and its replay.
 */
export const DEFAULT_WORKER_HEAP_LIMITS: WorkerHeapLimits = {
  maxOldGenerationMb: workerOldSpaceMbFor(1_000_000),
  maxYoungGenerationMb: 0,
};

export function resourceLimitsOf(limits: WorkerHeapLimits): ResourceLimits {
  return {
    maxOldGenerationSizeMb: limits.maxOldGenerationMb,
    ...(limits.maxYoungGenerationMb > 0 ? { maxYoungGenerationSizeMb: limits.maxYoungGenerationMb } : {}),
  };
}

/** The process's own V8 flags: command line and NODE_OPTIONS. */
const processFlags = (): string => `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
const hasFlag = (flags: string, name: string): boolean =>
  new RegExp(`--${name.replaceAll('-', '[-_]')}(=|\\s)`).test(flags);

/**
 * The V8 flags that make `limits` take effect for the next isolate, given the process's own `flags`: only
 * those a process-wide flag would otherwise override (see the header). Pure, so it is tested without
 * changing the V8 flags of the process that runs the tests.
 */
export function heapFlagOverrides(limits: WorkerHeapLimits, flags: string): string[] {
  const set: string[] = [];
  if (hasFlag(flags, 'max-old-space-size')) set.push(`--max-old-space-size=${limits.maxOldGenerationMb}`);
  if (limits.maxYoungGenerationMb > 0 && hasFlag(flags, 'max-semi-space-size'))
    set.push(`--max-semi-space-size=${Math.max(1, Math.floor(limits.maxYoungGenerationMb / 3))}`);
  return set;
}

/** Sets heapFlagOverrides for this process. Call right before creating a worker. */
export function overrideProcessHeapFlags(limits: WorkerHeapLimits): void {
  for (const flag of heapFlagOverrides(limits, processFlags())) v8.setFlagsFromString(flag);
}
