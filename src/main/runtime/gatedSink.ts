// Holds the engine's decisions back until every informer has synced. Upstream starts its workers only
// after the caches (and handlers) have synced: acting on a half-listed cluster could evict a pod whose
// untainted newer slice generation, or whose toleration-carrying claim update, simply has not been
// listed yet. Nothing is buffered here: `deletePodAt` in the engine is the source of truth, so opening
// the gate replays the pending evictions that exist at that moment, and earlier cancellations of
// entries that never left the main thread need no forwarding.

import type { CachedPodState, EvictionSink, PendingEviction, ReasonId } from '../../shared/decisions.js';
import type { PodRef } from '../../shared/types.js';

export type PendingForReplay = PendingEviction;

export class GatedSink implements EvictionSink {
  private target: EvictionSink | null = null;

  get isOpen(): boolean {
    return this.target !== null;
  }

  /** Starts forwarding to `target`, first replaying everything pending now. */
  open(target: EvictionSink, pending: Iterable<PendingForReplay>): number {
    let replayed = 0;
    for (const p of pending) {
      target.schedule(p.pod, p.fireAt, p.reasons, p.podState ?? 0);
      replayed++;
    }
    this.target = target;
    return replayed;
  }

  /** Stops forwarding (shutdown, lost leadership). */
  close(): void {
    this.target = null;
  }

  schedule(pod: PodRef, fireAt: number, reasons: readonly ReasonId[], podState: CachedPodState = 0): void {
    this.target?.schedule(pod, fireAt, reasons, podState);
  }

  cancel(pod: PodRef, emitEvent: boolean): void {
    this.target?.cancel(pod, emitEvent);
  }
}
