// Schedule/cancel ops, the main thread's decisions for one shard, and their columnar encoding. An
// `ops` message carries an OpBatch rather than op objects: structured clone pays per object and per
// property key, so 100k small op objects cost the main thread several times what a few typed arrays
// and string arrays do. The router appends to an OpBatchBuilder per shard; the worker reads the
// columns of a validated batch (validate.ts) directly.

import type { CachedPodState, ReasonId } from '../decisions.js';
import type { PodRef } from '../types.js';

/** Evict the pod at `fireAt` (replaces an earlier schedule for the same pod). */
export interface ScheduleOp {
  readonly k: 'schedule';
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly fireAt: number;
  readonly reasons: readonly ReasonId[];
  /** What the cache knew about the pod (CachedPodState bits); 0 when absent. */
  readonly podState?: CachedPodState;
}

/** Forget the pod's pending eviction; `emitEvent` records "Cancelling deletion". */
export interface CancelOp {
  readonly k: 'cancel';
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly emitEvent: boolean;
}

export type ShardOp = ScheduleOp | CancelOp;

/** Op kinds in `OpBatch.kinds`; a cancel's `emitEvent` is folded into its kind. */
export const OP_SCHEDULE = 0;
export const OP_CANCEL = 1;
export const OP_CANCEL_WITH_EVENT = 2;
/** Highest valid CachedPodState value in `OpBatch.podStates`. */
export const MAX_POD_STATE = 3;

/**
 * A sequence of ShardOps in columns: op `i` is `kinds[i]` on pod
 * `namespaceTable[namespaceIndexes[i]]/names[i]` (`uids[i]`); a schedule also has `fireAts[i]` and
 * `reasonTable[reasonIndexes[i]]` and `podStates[i]`. Namespaces and reason lists repeat across a storm,
 * so each is sent once per batch and referenced by index; a cancel's fire time, reason index and pod
 * state are 0 and meaningless.
 */
export interface OpBatch {
  readonly length: number;
  readonly kinds: Uint8Array;
  readonly fireAts: Float64Array;
  readonly podStates: Uint8Array;
  readonly namespaceTable: readonly string[];
  readonly namespaceIndexes: Uint32Array;
  readonly names: readonly string[];
  readonly uids: readonly string[];
  readonly reasonTable: readonly (readonly ReasonId[])[];
  readonly reasonIndexes: Uint32Array;
}

export const scheduleOp = (
  pod: PodRef,
  fireAt: number,
  reasons: readonly ReasonId[],
  podState: CachedPodState = 0,
): ScheduleOp => ({
  k: 'schedule',
  namespace: pod.namespace,
  name: pod.name,
  uid: pod.uid,
  fireAt,
  reasons,
  ...(podState === 0 ? {} : { podState }),
});

export const cancelOp = (pod: PodRef, emitEvent: boolean): CancelOp => ({
  k: 'cancel',
  namespace: pod.namespace,
  name: pod.name,
  uid: pod.uid,
  emitEvent,
});

export const opPodRef = (op: ShardOp): PodRef => ({ namespace: op.namespace, name: op.name, uid: op.uid });

const INITIAL_BATCH_CAPACITY = 64;

/**
 * Appends ops to one shard's columns and hands out a finished OpBatch. The typed columns grow by
 * doubling and are reused across batches (take() copies the used prefix): a storm then allocates per
 * batch, not per op. Reason lists are deduplicated by identity because the engine shares one array per
 * distinct reason set; an equal but distinct array just costs a table slot.
 */
export class OpBatchBuilder {
  private kinds = new Uint8Array(INITIAL_BATCH_CAPACITY);
  private fireAts = new Float64Array(INITIAL_BATCH_CAPACITY);
  private podStates = new Uint8Array(INITIAL_BATCH_CAPACITY);
  private namespaceIndexes = new Uint32Array(INITIAL_BATCH_CAPACITY);
  private reasonIndexes = new Uint32Array(INITIAL_BATCH_CAPACITY);
  private names: string[] = [];
  private uids: string[] = [];
  private namespaceTable: string[] = [];
  private namespaceSlots = new Map<string, number>();
  private reasonTable: (readonly ReasonId[])[] = [];
  private reasonSlots = new Map<readonly ReasonId[], number>();
  private count = 0;

  get length(): number {
    return this.count;
  }

  schedule(pod: PodRef, fireAt: number, reasons: readonly ReasonId[], podState: CachedPodState = 0): void {
    const i = this.append(OP_SCHEDULE, pod);
    this.fireAts[i] = fireAt;
    this.podStates[i] = podState;
    let reasonSlot = this.reasonSlots.get(reasons);
    if (reasonSlot === undefined) {
      reasonSlot = this.reasonTable.length;
      this.reasonTable.push(reasons);
      this.reasonSlots.set(reasons, reasonSlot);
    }
    this.reasonIndexes[i] = reasonSlot;
  }

  cancel(pod: PodRef, emitEvent: boolean): void {
    const i = this.append(emitEvent ? OP_CANCEL_WITH_EVENT : OP_CANCEL, pod);
    this.fireAts[i] = 0;
    this.podStates[i] = 0;
    this.reasonIndexes[i] = 0;
  }

  /** The batch so far; the builder starts empty again. */
  take(): OpBatch {
    const n = this.count;
    const batch: OpBatch = {
      length: n,
      kinds: this.kinds.slice(0, n),
      fireAts: this.fireAts.slice(0, n),
      podStates: this.podStates.slice(0, n),
      namespaceTable: this.namespaceTable,
      namespaceIndexes: this.namespaceIndexes.slice(0, n),
      names: this.names,
      uids: this.uids,
      reasonTable: this.reasonTable,
      reasonIndexes: this.reasonIndexes.slice(0, n),
    };
    this.count = 0;
    this.names = [];
    this.uids = [];
    this.namespaceTable = [];
    this.namespaceSlots = new Map();
    this.reasonTable = [];
    this.reasonSlots = new Map();
    return batch;
  }

  private append(kind: number, pod: PodRef): number {
    const i = this.count;
    if (i === this.kinds.length) this.grow();
    this.kinds[i] = kind;
    let namespaceSlot = this.namespaceSlots.get(pod.namespace);
    if (namespaceSlot === undefined) {
      namespaceSlot = this.namespaceTable.length;
      this.namespaceTable.push(pod.namespace);
      this.namespaceSlots.set(pod.namespace, namespaceSlot);
    }
    this.namespaceIndexes[i] = namespaceSlot;
    this.names.push(pod.name);
    this.uids.push(pod.uid);
    this.count = i + 1;
    return i;
  }

  private grow(): void {
    const capacity = this.kinds.length * 2;
    const kinds = new Uint8Array(capacity);
    kinds.set(this.kinds);
    this.kinds = kinds;
    const fireAts = new Float64Array(capacity);
    fireAts.set(this.fireAts);
    this.fireAts = fireAts;
    const podStates = new Uint8Array(capacity);
    podStates.set(this.podStates);
    this.podStates = podStates;
    const namespaceIndexes = new Uint32Array(capacity);
    namespaceIndexes.set(this.namespaceIndexes);
    this.namespaceIndexes = namespaceIndexes;
    const reasonIndexes = new Uint32Array(capacity);
    reasonIndexes.set(this.reasonIndexes);
    this.reasonIndexes = reasonIndexes;
  }
}

/** Encodes ops as one batch (tests, tools; the router appends directly). */
export function encodeOps(ops: readonly ShardOp[]): OpBatch {
  const builder = new OpBatchBuilder();
  for (const op of ops)
    if (op.k === 'schedule') builder.schedule(op, op.fireAt, op.reasons, op.podState ?? 0);
    else builder.cancel(op, op.emitEvent);
  return builder.take();
}

/** Op `i` of a validated batch, as a pod ref (the worker's partition keeps it). */
export const batchPodRef = (batch: OpBatch, i: number): PodRef => ({
  namespace: batch.namespaceTable[batch.namespaceIndexes[i] as number] as string,
  name: batch.names[i] as string,
  uid: batch.uids[i] as string,
});

/** Decodes a validated batch back into op objects (tests, debugging; the worker reads the columns). */
export function decodeOps(batch: OpBatch): ShardOp[] {
  const ops: ShardOp[] = [];
  for (let i = 0; i < batch.length; i++) {
    const pod = batchPodRef(batch, i);
    const kind = batch.kinds[i];
    if (kind === OP_SCHEDULE)
      ops.push(
        scheduleOp(
          pod,
          batch.fireAts[i] as number,
          batch.reasonTable[batch.reasonIndexes[i] as number] ?? [],
          batch.podStates[i] as number,
        ),
      );
    else ops.push(cancelOp(pod, kind === OP_CANCEL_WITH_EVENT));
  }
  return ops;
}
