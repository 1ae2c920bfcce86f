// What the story expects of every pod, and the verdict on each deletion the cluster shows: a pod may
// only go once a NoExecute taint it does not tolerate forever has been in place for its tolerationSeconds.
// Anything else is a wrongful eviction, the one thing an eviction controller must never do.

import type { DemoPod } from './cluster.js';
import type { PodDeletion } from './observer.js';

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

interface Entry {
  readonly pod: DemoPod;
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
      this.entries.set(pod.uid, { pod, dueAt: null, taintWrittenAt: null, wrongful: null, latencyMs: null });
    }
  }

  /**
   * A NoExecute taint stamped `timeAdded` now covers `pods`: those not tolerating it forever become due
   * after their tolerationSeconds. Returns them.
   */
  markDue(pods: readonly DemoPod[], timeAdded: number, writtenAt: number): DemoPod[] {
    const due: DemoPod[] = [];
    for (const pod of pods) {
      const e = this.entry(pod);
      if (pod.toleration.kind === 'forever') continue;
      const dueAt = timeAdded + (pod.toleration.kind === 'seconds' ? pod.toleration.seconds * 1000 : 0);
      // The earliest untolerated taint decides; a later one never postpones an eviction.
      if (e.dueAt === null || dueAt < e.dueAt) {
        e.dueAt = dueAt;
        e.taintWrittenAt = writtenAt;
      }
      due.push(pod);
    }
    return due;
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
    return { ...this.entry(pod) };
  }

  all(): PodExpectation[] {
    return [...this.entries.values()].map((e) => ({ ...e }));
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
