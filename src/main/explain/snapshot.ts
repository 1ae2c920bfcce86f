// What `explain` works from: the objects listed from the cluster once (never watched), as the same
// compact records the controller's informers keep, and the engine fed with them. The engine is the
// controller's own (src/main/engine/engine.ts) with a sink that only records and a rule status
// scheduler that does nothing: its `deletePodAt` after the feed is exactly what a controller that had
// just synced these objects would hold, so every verdict `explain` prints is the controller's.

import { FakeClock } from '../../shared/clock.js';
import type { EvictionSink, PendingEviction } from '../../shared/decisions.js';
import { silentLogger } from '../../shared/logger.js';
import type { ClaimRecord, PodGroupRecord, PodRecord, PodRef, RuleRecord, SliceRecord } from '../../shared/types.js';
import { EvictionEngine } from '../engine/engine.js';

/** The breaker's state as its ConfigMap says (src/kube/breakerRecord.ts). */
export type BreakerState =
  | {
      readonly state: 'open' | 'closed';
      /** `namespace/name` of the ConfigMap. */
      readonly configMap: string;
      /** False when there is no ConfigMap yet (never opened: closed). */
      readonly recorded: boolean;
      readonly openedAt: number | null;
      readonly reason: string;
    }
  | { readonly state: 'unknown'; readonly configMap: string; readonly error: string };

/** An object the projection could not read: left out (or quarantined) as the controller does. */
export interface SkippedObject {
  readonly resource: string;
  readonly key: string | null;
  readonly error: string;
}

export interface ClusterSnapshot {
  /** The API server's URL. */
  readonly server: string;
  readonly pods: readonly PodRecord[];
  readonly claims: readonly ClaimRecord[];
  readonly slices: readonly SliceRecord[];
  readonly rules: readonly RuleRecord[];
  readonly podGroups: readonly PodGroupRecord[];
  /** Whether the server serves DeviceTaintRules at all. */
  readonly rulesServed: boolean;
  readonly skipped: readonly SkippedObject[];
  readonly breaker: BreakerState;
}

/** A sink that keeps what the engine asked for; nothing is executed. */
export class RecordingSink implements EvictionSink {
  readonly scheduled: PendingEviction[] = [];
  readonly cancelled: { pod: PodRef; emitEvent: boolean }[] = [];

  schedule(pod: PodRef, fireAt: number, reasons: readonly string[]): void {
    this.scheduled.push({ pod, fireAt, reasons });
  }

  cancel(pod: PodRef, emitEvent: boolean): void {
    this.cancelled.push({ pod, emitEvent });
  }
}

export interface FedEngine {
  readonly engine: EvictionEngine;
  readonly sink: RecordingSink;
  /** The engine's clock: fixed at the time of the explanation. */
  readonly now: number;
}

export interface FeedOptions {
  /** DRAWorkloadResourceClaims, as `run --workload-claims`. */
  readonly workloadClaims: boolean;
  /** Replaces rules by name before feeding (the `--effect NoExecute` preview). */
  readonly replaceRules?: ReadonlyMap<string, RuleRecord>;
}

/**
 * A fresh engine that has seen every object of `snapshot`, as one burst (the controller's initial
 * sync also ends with every decision made once, from the complete state). Time stands still at `now`:
 * a taint without `timeAdded` is stamped with it, as the controller stamps the time it first saw one.
 */
export function feedEngine(snapshot: ClusterSnapshot, now: number, options: FeedOptions): FedEngine {
  const clock = new FakeClock(now);
  const sink = new RecordingSink();
  const engine = new EvictionEngine({
    clock,
    sink,
    ruleStatus: { enqueue() {} },
    log: silentLogger,
    workloadClaims: options.workloadClaims,
  });
  engine.batch(() => {
    if (options.workloadClaims) for (const group of snapshot.podGroups) engine.podGroupAdded(group);
    for (const rule of snapshot.rules) engine.ruleAdded(options.replaceRules?.get(rule.name) ?? rule);
    for (const slice of snapshot.slices) engine.sliceAdded(slice);
    for (const claim of snapshot.claims) engine.claimAdded(claim);
    for (const pod of snapshot.pods) engine.podAdded(pod);
  });
  return { engine, sink, now };
}
