// Starts a shard worker thread from whichever form the code is running in: the compiled
// `dist/workers/workerMain.js`, or — when this module itself is TypeScript (vitest, tsx) — the .mjs shim
// that teaches the new thread to load TypeScript first.

import { type TransferListItem, Worker } from 'node:worker_threads';
import { overrideProcessHeapFlags, resourceLimitsOf, type WorkerHeapLimits } from './workerHeap.js';

/** Where the worker entry lives relative to this module. */
export function workerEntryUrl(moduleUrl: string = import.meta.url): URL {
  return moduleUrl.endsWith('.ts')
    ? new URL('../../workers/workerShim.mjs', moduleUrl)
    : new URL('../../workers/workerMain.js', moduleUrl);
}

export interface SpawnOptions {
  readonly workerData: unknown;
  readonly transferList?: readonly TransferListItem[];
  /** Thread name shown in inspectors and heap snapshots. */
  readonly name?: string;
  /** The worker's V8 heap caps (workerHeap.ts); V8's defaults when absent. */
  readonly heapLimits?: WorkerHeapLimits;
}

export function spawnShardWorker(options: SpawnOptions): Worker {
  // Before the isolate exists: a process-wide heap flag would override resourceLimits (workerHeap.ts).
  if (options.heapLimits !== undefined) overrideProcessHeapFlags(options.heapLimits);
  return new Worker(workerEntryUrl(), {
    workerData: options.workerData,
    transferList: options.transferList === undefined ? [] : [...options.transferList],
    ...(options.name === undefined ? {} : { name: options.name }),
    ...(options.heapLimits === undefined ? {} : { resourceLimits: resourceLimitsOf(options.heapLimits) }),
    // Worker stdout/stderr go straight to the process's, not through the parent's streams.
    stdout: false,
    stderr: false,
  });
}
