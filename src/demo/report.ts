// The demo's report: the fate of every pod (evicted as due, still running, evicted wrongfully, or due
// but missing), the rule's conditions in order, the controller's own results, what act 5 saw of the
// breaker, the totals (API calls, writes per eviction, the breaker record's cost) and the summary
// table, which is printed here as the story's last words.

import type { EvictionResult } from '../shared/decisions.js';
import type { DemoPod } from './cluster.js';
import type { BreakerRecordSeen, PodDeletion, RuleConditionSeen } from './observer.js';
import { podLabel } from './plan.js';
import { BREAKER_WINDOW_MS, type BreakerStory, DEMO_ACTS, type DemoStage, RULE_NAME } from './stage.js';
import { type ActSummary, type BreakerSummary, type DemoTotals, formatSummaryTable } from './summary.js';

export type PodFate = 'evicted' | 'running' | 'wrongful' | 'missing';

export interface DemoPodOutcome {
  readonly pod: DemoPod;
  /** When the controller may evict it (taint time + tolerationSeconds); null = must never be evicted. */
  readonly dueAt: number | null;
  /** When the taint that made it due was written (wall-clock ms); null if never due. */
  readonly taintWrittenAt: number | null;
  readonly deletion: PodDeletion | null;
  readonly fate: PodFate;
  /** Why an eviction was wrongful. */
  readonly wrongful: string | null;
}

export interface DemoReport {
  readonly ok: boolean;
  /** Ended early through `DemoOptions.signal`. */
  readonly interrupted: boolean;
  readonly failures: readonly string[];
  readonly acts: readonly ActSummary[];
  readonly pods: readonly DemoPodOutcome[];
  /** Every distinct EvictionInProgress condition of the demo's rule, in order. */
  readonly ruleConditions: readonly RuleConditionSeen[];
  /** What the controller reported for each eviction it finished. */
  readonly controllerResults: readonly EvictionResult[];
  /** What act 5 saw of the breaker; null when the story did not get that far. */
  readonly breaker: BreakerStory | null;
  /** Every distinct state of the breaker's record (a ConfigMap), in order. */
  readonly breakerRecords: readonly BreakerRecordSeen[];
  readonly totals: DemoTotals;
  readonly summaryTable: string;
  readonly startedAt: number;
}

/** Builds the report of a finished (or failed) run and prints its summary table. */
export function buildReport(s: DemoStage): DemoReport {
  const outcomes: DemoPodOutcome[] = s.pods.map((pod) => {
    const e = s.ledger.get(pod);
    const deletion = s.observer?.deletionOf(pod.uid) ?? null;
    const fate: PodFate =
      e.wrongful !== null ? 'wrongful' : deletion !== null ? 'evicted' : e.dueAt === null ? 'running' : 'missing';
    return { pod, dueAt: e.dueAt, taintWrittenAt: e.taintWrittenAt, deletion, fate, wrongful: e.wrongful };
  });
  const evictions = outcomes.filter((o) => o.fate === 'evicted').length;
  const wrongful = outcomes.filter((o) => o.fate === 'wrongful').length;
  const observer = s.observer;
  // Events for cancellations and about the breaker are written, but not for an eviction.
  const cancellationEvents = s.pods
    .flatMap((p) => observer?.eventsFor(p.uid) ?? [])
    .filter((e) => e.message === 'Cancelling deletion').length;
  const breakerEvents = observer?.otherEvents.filter((e) => e.reason.startsWith('EvictionBreaker')).length ?? 0;
  const writes =
    s.controllerRequests({ verb: 'patch', resource: 'pods', subresource: 'status' }) +
    s.controllerRequests({ verb: 'create', resource: 'events' }) -
    cancellationEvents -
    breakerEvents +
    s.controllerRequests({ verb: 'delete', resource: 'pods' });
  const totals: DemoTotals = {
    apiCalls: s.verbCounts(),
    writesPerEviction: evictions > 0 ? writes / evictions : null,
    cancellationEvents,
    breakerEvents,
    breakerRecordReads: s.controllerRequests({ verb: 'get', resource: 'configmaps' }),
    breakerRecordWrites:
      s.controllerRequests({ verb: 'patch', resource: 'configmaps' }) +
      s.controllerRequests({ verb: 'create', resource: 'configmaps' }),
    evictions,
    wrongful,
    durationMs: Date.now() - s.startedAt,
  };
  const story = s.breakerStory;
  const breaker: BreakerSummary | null =
    story === null
      ? null
      : {
          limit: story.limit,
          windowMinutes: BREAKER_WINDOW_MS / 60_000,
          usedBefore: story.usedBefore,
          evictedBeforeOpen: story.evictedBeforeOpen.length,
          heldAtOpen: story.heldAtOpen,
          cancelledByRuleDelete: story.cancelledByRuleDelete.length,
          releasedByReset: story.releasedByReset.length,
        };
  const summaryTable = formatSummaryTable(s.acts, totals, breaker);
  s.print.line('');
  s.print.line('Summary', 'act');
  s.print.block(summaryTable);
  // Name every wrongful eviction, wherever it happened (also outside an act, e.g. at startup).
  const failures = [
    ...s.failures,
    ...outcomes.filter((o) => o.wrongful !== null).map((o) => `${podLabel(o.pod)} ${o.wrongful}`),
  ];
  const ok = failures.length === 0 && s.acts.length === DEMO_ACTS && s.acts.every((a) => a.ok);
  return {
    ok,
    interrupted: s.options.signal?.aborted === true,
    failures,
    acts: [...s.acts],
    pods: outcomes,
    ruleConditions: [...(s.observer?.ruleConditions(RULE_NAME) ?? [])],
    controllerResults: [...s.results],
    breaker: s.breakerStory,
    breakerRecords: [...(observer?.breakerRecords ?? [])],
    totals,
    summaryTable,
    startedAt: s.startedAt,
  };
}
