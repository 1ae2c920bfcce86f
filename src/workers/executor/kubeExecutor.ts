// Evicts one pod against the Kubernetes API in three writes instead of upstream's four (docs/behaviour.md §2.7): the
// informer cache already told us the pod exists, so the GET is replaced by what the cache knows and by
// UID guards on every write.
//
//   0. The cache says the pod is terminating (deletionTimestamp): write nothing at all ('alreadyTerminating').
//      Another component is deleting it and may have set its own DisruptionTarget reason, which Job
//      podFailurePolicy reads; upstream's GET sees the same and also writes nothing.
//   1. PATCH pods/<name>/status (strategic merge) adding the DisruptionTarget condition, with
//      `metadata.uid` in the body. A patch has no storage precondition: kube-apiserver keeps the body's
//      UID on the patched object and `ValidateObjectMetaAccessorUpdate` rejects the changed immutable
//      field with 422 Invalid (cause `metadata.uid`) when the name now belongs to a replacement pod; a
//      missing pod is 404. The response is the live pod: a deletionTimestamp there is the fallback for
//      step 0. Skipped when the cache shows our condition already (upstream's UpdatePodCondition no-op).
//   2. The "Marking for deletion" Event, sent asynchronously (upstream's broadcaster is asynchronous):
//      only once the patch proved the pod exists, inside the shared API budget but queued behind the
//      DELETE's token, and never awaited by the eviction. Without a patch it follows a successful DELETE.
//   3. DELETE with `preconditions.uid` (409 Conflict when the name now belongs to another pod).
//
// Before each write the attempt re-checks that its intent is still current (not cancelled or moved
// later while it waited for a token) and that this process may write at all (the write fence: a valid
// leader lease); each write is aborted when leadership is lost or the fence's deadline passes.
// 404, 409 and the UID 422 mean "someone else removed or replaced the pod": 'gone', no event, not counted.
// Every other failure rejects, and the queue partition retries with backoff (never sooner than a
// Retry-After the server sent).

import {
  type ApiClient,
  ApiError,
  type ApiRequest,
  contentTypes,
  deletionTimestampOf,
  isGoneOrReplaced,
  rfc3339,
} from '../../kube/apiClient.js';
import { EventCorrelator } from '../../kube/eventCorrelator.js';
import {
  eventMessages,
  eventsPath,
  evictionTimeoutEvent,
  type PodEventMessage,
  type PodEventSpec,
  podEvent,
} from '../../kube/podEvents.js';
import type { ApiBudget } from '../../shared/apiBudget.js';
import type { Clock } from '../../shared/clock.js';
import {
  type EvictionOutcome,
  POD_HAS_DISRUPTION_TARGET,
  POD_TERMINATING,
  type ReasonId,
} from '../../shared/decisions.js';
import {
  type AttemptOutcome,
  type EvictionAttempt,
  type EvictionExecutor,
  standaloneAttempt,
} from '../../shared/executor.js';
import type { Logger } from '../../shared/logger.js';
import type { PodRef } from '../../shared/types.js';
import { FenceClosedError, WriteFence } from '../../shared/writeFence.js';

export const disruptionTargetCondition = {
  type: 'DisruptionTarget',
  status: 'True',
  reason: 'DeletionByDeviceTaintManager',
  message: 'Device Taint manager: deleting due to NoExecute taint',
} as const;

export interface KubeExecutorOptions {
  readonly api: ApiClient;
  /** Shared QPS/burst budget: one token per API write. */
  readonly budget: ApiBudget;
  readonly clock: Clock;
  readonly log: Logger;
  /** The process's permission to write (leader lease); always open without leader election. */
  readonly fence?: WriteFence;
  /** `reportingInstance` of the Events (e.g. the leader identity). */
  readonly reportingInstance?: string;
  /** Deadline of each API call. */
  readonly requestTimeoutMs?: number;
  /**
   * `delete` (upstream's) or `evict`: remove the pod through the eviction API, which respects its
   * PodDisruptionBudget; a budget that blocks it for `evictionTimeoutMs` (0 = forever) is overruled by
   * a DELETE, with a Warning event.
   */
  readonly evictionMode?: EvictionMode;
  readonly evictionTimeoutMs?: number;
}

export type EvictionMode = 'delete' | 'evict';

/**
 * How long to wait before asking again when a disruption budget refused an eviction: kube-apiserver's
 * 429 for a budget carries no Retry-After, and `kubectl drain` waits 5 s between attempts.
 */
export const BUDGET_RETRY_SECONDS = 5;

const podPath = (pod: PodRef): string =>
  `/api/v1/namespaces/${encodeURIComponent(pod.namespace)}/pods/${encodeURIComponent(pod.name)}`;

const isPodGone = isGoneOrReplaced;

export class KubeEvictionExecutor implements EvictionExecutor {
  private readonly fence: WriteFence;
  /** Events sent without being awaited; `settle` waits for them before the worker exits. */
  private readonly eventsInFlight = new Set<Promise<void>>();
  /** Repeated events become counts on one Event, within client-go's spam limit (eventCorrelator.ts). */
  private readonly events: EventCorrelator;

  constructor(private readonly options: KubeExecutorOptions) {
    this.fence = options.fence ?? WriteFence.alwaysOpen();
    this.events = new EventCorrelator(() => options.clock.now());
  }

  async evict(
    pod: PodRef,
    reasons: readonly ReasonId[],
    attempt: EvictionAttempt = standaloneAttempt,
  ): Promise<AttemptOutcome> {
    const { budget, clock, log } = this.options;
    if ((attempt.podState & POD_TERMINATING) !== 0) {
      log.debug('pod already terminating (cache): no writes', { pod: podRefFields(pod) });
      return 'alreadyTerminating';
    }
    const marked = attempt.alreadyMarked === true;
    const patchFirst = !marked && (attempt.podState & POD_HAS_DISRUPTION_TARGET) === 0;

    await budget.acquire();
    if (!attempt.isCurrent()) return 'superseded';
    if (patchFirst) {
      let patched: unknown;
      try {
        patched = await this.write(attempt, 'pod status', {
          method: 'PATCH',
          path: `${podPath(pod)}/status`,
          contentType: contentTypes.strategicMerge,
          body: {
            metadata: { uid: pod.uid },
            status: { conditions: [{ ...disruptionTargetCondition, lastTransitionTime: rfc3339(clock.now()) }] },
          },
        });
      } catch (err) {
        if (isPodGone(err)) return this.gone(pod, 'status patch', err);
        throw err;
      }
      if (deletionTimestampOf(patched) !== null) {
        // Upstream's quirk (docs/behaviour.md §6.5): already terminating counts as success, without event or delete.
        log.debug('pod already terminating (patch response)', { pod: podRefFields(pod) });
        return 'alreadyTerminating';
      }

      // The DELETE's token is reserved before the event's, so the event never delays the DELETE.
      const deleteToken = budget.acquire();
      this.recordEventInBackground(pod, eventMessages.marking);
      attempt.onMarked?.();
      await deleteToken;
      if (!attempt.isCurrent()) return 'superseded';
    } else if (marked) {
      // A retry: the condition is already set (upstream's UpdatePodCondition is a no-op then), but
      // upstream emits the event again on every attempt that gets this far (docs/behaviour.md §6.15).
      this.recordEventInBackground(pod, eventMessages.marking);
    }
    const mode = this.options.evictionMode ?? 'delete';
    const timeoutMs = this.options.evictionTimeoutMs ?? 0;
    const waitedMs = clock.now() - attempt.dueAt;
    const budgetOverruled = mode === 'evict' && timeoutMs > 0 && waitedMs >= timeoutMs;
    if (mode === 'evict' && !budgetOverruled) {
      try {
        await this.write(
          attempt,
          'pod eviction',
          {
            method: 'POST',
            path: `${podPath(pod)}/eviction`,
            body: {
              apiVersion: 'policy/v1',
              kind: 'Eviction',
              metadata: { name: pod.name, namespace: pod.namespace },
              deleteOptions: { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: pod.uid } },
            },
            ignoreResponseBody: true,
          },
          // A budget's refusal is answered by the queue's retry, which frees this attempt's slot.
          false,
        );
      } catch (err) {
        if (isPodGone(err)) return this.gone(pod, 'eviction', err);
        if (err instanceof ApiError && err.code === 429) throw budgetRefusal(err);
        throw err;
      }
    } else {
      if (budgetOverruled) this.recordEventInBackground(pod, evictionTimeoutEvent(waitedMs));
      try {
        await this.write(attempt, 'pod', {
          method: 'DELETE',
          path: podPath(pod),
          body: { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: pod.uid } },
          ignoreResponseBody: true,
        });
      } catch (err) {
        if (isPodGone(err)) return this.gone(pod, 'delete', err);
        throw err;
      }
    }
    if (!patchFirst && !marked) this.recordEventInBackground(pod, eventMessages.marking);
    // The main thread logs every finished eviction with its latency; this is the worker-side trace.
    log.debug('deleted pod', { pod: podRefFields(pod), reasons });
    return 'deleted' satisfies EvictionOutcome;
  }

  async recordCancellation(pod: PodRef): Promise<void> {
    await this.recordEvent(pod, eventMessages.cancelling);
  }

  async settle(timeoutMs: number): Promise<void> {
    if (this.eventsInFlight.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.eventsInFlight]),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }

  /**
   * One write under the fence: refused when the process may not write, aborted when leadership is lost
   * (`attempt.signal`) or the fence's deadline passes mid-flight, and a Retry-After retry only while the
   * attempt is still current and the fence open.
   */
  private async write(attempt: EvictionAttempt, what: string, req: ApiRequest, retryInCall = true): Promise<unknown> {
    const remaining = this.fence.remainingMs();
    if (remaining <= 0 || attempt.signal.aborted) throw new FenceClosedError(what);
    // The fence's deadline is the call's deadline when it comes first: the client's own timeout then
    // aborts the call (and bounds its Retry-After waits) at that moment, with the one timer and signal it
    // arms anyway, instead of a second deadline signal per write.
    const timeoutMs = Math.min(this.options.requestTimeoutMs ?? 30_000, Math.ceil(remaining));
    const res = await this.options.api.request({
      ...req,
      timeoutMs,
      signal: attempt.signal,
      mayRetry: () => retryInCall && attempt.isCurrent() && this.fence.isOpen(),
    });
    return res.body;
  }

  private gone(pod: PodRef, step: string, err: unknown): 'gone' {
    this.options.log.debug('pod vanished or was replaced before eviction', {
      pod: podRefFields(pod),
      step,
      code: err instanceof ApiError ? err.code : 0,
    });
    return 'gone';
  }

  private recordEventInBackground(pod: PodRef, message: PodEventMessage | PodEventSpec): void {
    const sent = this.recordEvent(pod, message).finally(() => this.eventsInFlight.delete(sent));
    this.eventsInFlight.add(sent);
  }

  /**
   * Events are best effort, as with upstream's asynchronous event broadcaster: a failed Event must not
   * block (or, through a retry, repeat) the eviction it describes. They respect the fence like any write.
   */
  private async recordEvent(pod: PodRef, message: PodEventMessage | PodEventSpec): Promise<void> {
    const { budget, clock, log } = this.options;
    const correlated = this.events.correlate(podEvent(pod, message, clock.now(), this.options.reportingInstance));
    if (correlated === null) {
      log.debug('not recording event: over its spam limit (25 per pod, then one every 5 minutes)', {
        pod: podRefFields(pod),
        event: message,
      });
      return;
    }
    const { event, patch } = correlated;
    await budget.acquire();
    if (!this.mayRecord(pod, message)) return;
    try {
      if (patch !== null) {
        try {
          await this.eventRequest({
            method: 'PATCH',
            path: `${eventsPath(event.metadata.namespace)}/${encodeURIComponent(event.metadata.name)}`,
            contentType: contentTypes.strategicMerge,
            body: patch,
          });
          return;
        } catch (err) {
          // The Event expired or was never created (its create failed): create it, count and all.
          if (!(err instanceof ApiError && err.code === 404)) throw err;
        }
        await budget.acquire();
        if (!this.mayRecord(pod, message)) return;
      }
      await this.eventRequest({ method: 'POST', path: eventsPath(event.metadata.namespace), body: event });
    } catch (err) {
      log.warn('failed to record event', { pod: podRefFields(pod), event: message, error: errorText(err) });
    }
  }

  /** Events are writes like any other: only with a valid leader lease, checked right before each. */
  private mayRecord(pod: PodRef, message: PodEventMessage | PodEventSpec): boolean {
    if (this.fence.isOpen()) return true;
    this.options.log.warn('not recording event: no valid leader lease', { pod: podRefFields(pod), event: message });
    return false;
  }

  private eventRequest(req: Pick<ApiRequest, 'method' | 'path' | 'body' | 'contentType'>): Promise<unknown> {
    return this.options.api.request({
      ...req,
      timeoutMs: this.options.requestTimeoutMs,
      ignoreResponseBody: true,
      mayRetry: () => this.fence.isOpen(),
    });
  }
}

/** `--dry-run`: says what it would do and writes nothing. Reports 'gone' so no deletion is counted. */
export class DryRunEvictionExecutor implements EvictionExecutor {
  constructor(private readonly log: Logger) {}

  async evict(
    pod: PodRef,
    reasons: readonly ReasonId[],
    attempt: EvictionAttempt = standaloneAttempt,
  ): Promise<AttemptOutcome> {
    if (!attempt.isCurrent()) return 'superseded';
    this.log.info('dry run: would add DisruptionTarget condition, record event and delete pod', {
      pod: podRefFields(pod),
      reasons,
    });
    return 'gone';
  }

  async recordCancellation(pod: PodRef): Promise<void> {
    this.log.info('dry run: would record event', { pod: podRefFields(pod), event: eventMessages.cancelling });
  }
}

/** A disruption budget's 429, retried by the queue no sooner than the server (or kubectl drain) would. */
function budgetRefusal(err: ApiError): ApiError {
  if (err.retryAfterSeconds !== null) return err;
  return new ApiError(err.code, err.reason, err.message, BUDGET_RETRY_SECONDS, err.causeFields);
}

const podRefFields = (pod: PodRef): string => `${pod.namespace}/${pod.name}(${pod.uid})`;
const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));
