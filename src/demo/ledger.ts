// What the story expects of every pod, and the verdict on each deletion the cluster shows: a pod may
// only go once a NoExecute taint it does not tolerate forever has been in place for its tolerationSeconds.
// Anything else is a wrongful eviction, the one thing an eviction controller must never do.
//
// A pod may be due for several taints at once (a rule's and a device's); each is kept under its source,
// so that when one goes away (a rule deleted) the pod is due for the others only, or not at all again.

import type { DemoPod } from './cluster.js';
import type { PodDeletion } from './observer.js';
import { XID_TAINT_KEY } from './plan.js';

/**
 * Eviction earlier than due by more than this is wrongful. Not zero: the worker threads' timers run on
 * the monotonic clock, the due time is wall-clock, and the two may disagree by a millisecond or so.
 */
export const EARLY_SLACK_MS = 100;

export interface PodExpectation {
  readonly pod: DemoPod;
  /** When the controller may evict it: the taint's timeAdded + tolerationSeconds; null = never. */
  readonly dueAt: number | null;
  /** When the taint that made it due was written (wall-clock ms). */
  readonly taintWrittenAt: number | null;
  /** Set once its deletion was judged wrongful. */
  readonly wrongful: string | null;
  /** Deletion − due (the later of dueAt and taintWrittenAt); set once evicted as expected. */
  readonly latencyMs: number | null;
}

/** Which taint makes pods due: where it comes from (a device, a rule) and its key. */
export interface DueCause {
  /** `device gpu-node-0001/gpu-3`, `rule drain-gpu-node-0003`: what `withdraw` names. */
  readonly source: string;
  /** The demo's pods tolerate only the XID key (plan.ts); a taint with any other key, none of them. */
  readonly key: string;
}

const DEFAULT_CAUSE: DueCause = { source: 'taint', key: XID_TAINT_KEY };

interface Due {
  readonly dueAt: number;
  readonly writtenAt: number;
}

interface Entry {
  readonly pod: DemoPod;
  readonly dues: Map<string, Due>;
  dueAt: number | null;
  taintWrittenAt: number | null;
  wrongful: string | null;
  latencyMs: number | null;
}

export type Verdict =
  | { readonly kind: 'expected'; readonly pod: DemoPod; readonly latencyMs: number }
  | { readonly kind: 'wrongful'; readonly pod: DemoPod; readonly reason: string };

export class EvictionLedger {
  private readonly entries = new Map<string, Entry>();

  constructor(pods: readonly DemoPod[]) {
    for (const pod of pods) {
      this.entries.set(pod.uid, {
        pod,
        dues: new Map(),
        dueAt: null,
        taintWrittenAt: null,
        wrongful: null,
        latencyMs: null,
      });
    }
  }

  /**
   * A NoExecute taint stamped `timeAdded` (from `cause`) now covers `pods`: those not tolerating it
   * forever become due after their tolerationSeconds. Returns them.
   */
  markDue(pods: readonly DemoPod[], timeAdded: number, writtenAt: number, cause: DueCause = DEFAULT_CAUSE): DemoPod[] {
    const due: DemoPod[] = [];
    for (const pod of pods) {
      const e = this.entry(pod);
      const toleration = cause.key === XID_TAINT_KEY ? pod.toleration : { kind: 'none' as const };
      if (toleration.kind === 'forever') continue;
      const dueAt = timeAdded + (toleration.kind === 'seconds' ? toleration.seconds * 1000 : 0);
      const known = e.dues.get(cause.source);
      if (known === undefined || dueAt < known.dueAt) e.dues.set(cause.source, { dueAt, writtenAt });
      settle(e);
      due.push(pod);
    }
    return due;
  }

  /**
   * The taint from `source` is gone (a rule deleted): pods due only for it must stay again, and an
   * eviction of theirs from now on is wrongful. Returns the pods not yet evicted that are no longer due.
   */
  withdraw(source: string): DemoPod[] {
    const spared: DemoPod[] = [];
    for (const e of this.entries.values()) {
      // An eviction already judged stays judged: the taint was there when it happened.
      if (e.latencyMs !== null || e.wrongful !== null || !e.dues.delete(source)) continue;
      settle(e);
      if (e.dueAt === null) spared.push(e.pod);
    }
    return spared;
  }

  /** Judges a deletion; undefined for pods the demo did not create. */
  record(deletion: PodDeletion): Verdict | undefined {
    const e = this.entries.get(deletion.uid);
    if (e === undefined) return undefined;
    if (e.dueAt === null) {
      e.wrongful =
        e.pod.toleration.kind === 'forever'
          ? 'evicted although it tolerates the taint forever'
          : 'evicted although untainted';
    } else if (deletion.at < e.dueAt - EARLY_SLACK_MS) {
      e.wrongful = `evicted ${((e.dueAt - deletion.at) / 1000).toFixed(1)} s before its grace period ended`;
    }
    if (e.wrongful !== null) return { kind: 'wrongful', pod: e.pod, reason: e.wrongful };
    const due = Math.max(e.dueAt ?? deletion.at, e.taintWrittenAt ?? deletion.at);
    e.latencyMs = Math.max(0, deletion.at - due);
    return { kind: 'expected', pod: e.pod, latencyMs: e.latencyMs };
  }

  get(pod: DemoPod): PodExpectation {
    return expectation(this.entry(pod));
  }

  all(): PodExpectation[] {
    return [...this.entries.values()].map(expectation);
  }

  /** Pods that must still be running: never due. */
  mustStay(): DemoPod[] {
    return [...this.entries.values()].filter((e) => e.dueAt === null).map((e) => e.pod);
  }

  private entry(pod: DemoPod): Entry {
    const e = this.entries.get(pod.uid);
    if (e === undefined) throw new Error(`unknown demo pod ${pod.namespace}/${pod.name}`);
    return e;
  }
}

/** The earliest untolerated taint decides; a later one never postpones an eviction. */
function settle(e: Entry): void {
  let first: Due | null = null;
  for (const due of e.dues.values()) if (first === null || due.dueAt < first.dueAt) first = due;
  e.dueAt = first?.dueAt ?? null;
  e.taintWrittenAt = first?.writtenAt ?? null;
}

const expectation = (e: Entry): PodExpectation => ({
  pod: e.pod,
  dueAt: e.dueAt,
  taintWrittenAt: e.taintWrittenAt,
  wrongful: e.wrongful,
  latencyMs: e.latencyMs,
});
