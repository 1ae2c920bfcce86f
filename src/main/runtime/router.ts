// The engine's EvictionSink in sharded mode: each decision goes to the worker that owns the pod
// (stable hash of namespace/name), batched per shard and flushed once per macrotask. A rule flip that
// affects 100k pods thus costs one postMessage per shard, not 100k. Per-pod order is preserved
// because every op for a pod lands in the same shard's FIFO batch and a MessagePort delivers in order.
// Ops are appended straight into columnar batches (OpBatchBuilder): no per-op object is built or cloned.
//
// Batches are deliberately not cut by size to let workers start while the engine still decides: on a
// 2-core machine the workers then compete with the main thread, and bench/storm.ts measured the 100k
// storm slower that way (decide 290 → 500 ms, flip → queued no better).

import type { CachedPodState, EvictionSink, ReasonId } from '../../shared/decisions.js';
import { OpBatchBuilder } from '../../shared/messages/ops.js';
import type { OpsMessage } from '../../shared/messages/types.js';
import { shardOf } from '../../shared/shardHash.js';
import type { PodRef } from '../../shared/types.js';

/** Where batches go: the supervisor in production, a recorder in tests. */
export interface ShardTransport {
  readonly shardCount: number;
  send(shard: number, message: OpsMessage): void;
}

export interface RouterStats {
  readonly opsRouted: number;
  readonly batchesSent: number;
  /** Main-thread time spent handing batches to the transport (postMessage + structured clone). */
  readonly sendMs: number;
  /** Ops dropped because routing had stopped (shutdown). */
  readonly droppedAfterStop: number;
}

export class ShardRouter implements EvictionSink {
  private readonly batches: OpBatchBuilder[];
  private flushScheduled = false;
  private stopped = false;
  private opsRouted = 0;
  private batchesSent = 0;
  private sendMs = 0;
  private droppedAfterStop = 0;

  constructor(private readonly transport: ShardTransport) {
    this.batches = Array.from({ length: transport.shardCount }, () => new OpBatchBuilder());
  }

  schedule(pod: PodRef, fireAt: number, reasons: readonly ReasonId[], podState: CachedPodState = 0): void {
    this.batchOf(pod)?.schedule(pod, fireAt, reasons, podState);
  }

  cancel(pod: PodRef, emitEvent: boolean): void {
    this.batchOf(pod)?.cancel(pod, emitEvent);
  }

  /** Sends every batched op now (before shutdown, or before a virtual-time tick that must follow them). */
  flush(): void {
    this.flushScheduled = false;
    const started = performance.now();
    for (let shard = 0; shard < this.batches.length; shard++) {
      const batch = this.batches[shard];
      if (batch === undefined || batch.length === 0) continue;
      this.batchesSent++;
      this.transport.send(shard, { t: 'ops', ops: batch.take() });
    }
    this.sendMs += performance.now() - started;
  }

  /** Flushes what is batched and drops every later decision: the runtime is shutting down. */
  stop(): void {
    this.flush();
    this.stopped = true;
  }

  stats(): RouterStats {
    return {
      opsRouted: this.opsRouted,
      batchesSent: this.batchesSent,
      sendMs: this.sendMs,
      droppedAfterStop: this.droppedAfterStop,
    };
  }

  /** The batch the pod's next op belongs in, or `undefined` once routing stopped. */
  private batchOf(pod: PodRef): OpBatchBuilder | undefined {
    if (this.stopped) {
      this.droppedAfterStop++;
      return undefined;
    }
    this.opsRouted++;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        if (this.flushScheduled) this.flush();
      });
    }
    return this.batches[shardOf(pod, this.batches.length)];
  }
}
