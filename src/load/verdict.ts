// Judges each pod of a run from three facts: when it was due for eviction (ledger), when its deletion
// was observed (observer), and whether the generator deleted it itself (churn, cleanup). Pure, so the
// rules for "wrongful" are tested without a cluster.

import type { TaintLedger } from './ledger.js';
import type { LoadPod } from './types.js';

export type PodOutcome =
  /** Deleted at or after its due time. */
  | 'evicted'
  /** Deleted although it tolerates the taint forever. */
  | 'wrongful-forever'
  /** Deleted although none of its devices was tainted. */
  | 'wrongful-untainted'
  /** Deleted before taint time + tolerationSeconds − allowed skew. */
  | 'wrongful-early'
  /** Due, but no deletion seen by the end of the run. */
  | 'missed'
  /** Due later than the end of the run; still alive, correctly. */
  | 'not-yet-due'
  /** Never due and still alive: correct. */
  | 'spared'
  /** Deleted by the generator itself (churn), not judged. */
  | 'self-deleted';

export interface PodVerdict {
  readonly pod: LoadPod;
  readonly outcome: PodOutcome;
  readonly dueAt: number | null;
  readonly deletedAt: number | null;
  /** `deletedAt − dueAt` for evicted pods (may be slightly negative within the skew allowance). */
  readonly latencyMs: number | null;
}

export interface JudgeInput {
  readonly pods: readonly LoadPod[];
  readonly ledger: TaintLedger;
  /** First observed deletion per pod UID. */
  readonly deletedAt: ReadonlyMap<string, number>;
  readonly selfDeleted: ReadonlySet<string>;
  readonly skewMs: number;
  /** End of observation; decides missed vs not yet due. */
  readonly now: number;
}

export function judgePod(pod: LoadPod, input: JudgeInput): PodVerdict {
  const dueAt = input.ledger.dueTime(pod);
  const deletedAt = input.deletedAt.get(pod.uid) ?? null;
  const verdict = (outcome: PodOutcome, latencyMs: number | null = null): PodVerdict => ({
    pod,
    outcome,
    dueAt,
    deletedAt,
    latencyMs,
  });
  if (input.selfDeleted.has(pod.uid)) return verdict('self-deleted');
  if (deletedAt === null) {
    if (dueAt === null) return verdict('spared');
    return verdict(dueAt <= input.now ? 'missed' : 'not-yet-due');
  }
  if (pod.toleration.kind === 'forever') return verdict('wrongful-forever');
  if (dueAt === null) return verdict('wrongful-untainted');
  if (deletedAt < dueAt - input.skewMs) return verdict('wrongful-early');
  return verdict('evicted', deletedAt - dueAt);
}

export function judgePods(input: JudgeInput): PodVerdict[] {
  return input.pods.map((pod) => judgePod(pod, input));
}

export const isWrongful = (o: PodOutcome): boolean =>
  o === 'wrongful-forever' || o === 'wrongful-untainted' || o === 'wrongful-early';
