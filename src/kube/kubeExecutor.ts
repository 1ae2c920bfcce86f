// Evicts one pod against the Kubernetes API in three writes instead of upstream's four (spec §2.7): the
// informer cache already told us the pod exists, so the GET is replaced by UID preconditions.
//
//   1. PATCH pods/<name>/status (strategic merge) adding the DisruptionTarget condition, with
//      `metadata.uid` in the patch body: the apiserver rejects it with 409 when the name now belongs to a
//      replacement pod, and 404s when the pod is gone. The response is the live pod, which tells us
//      whether it is already terminating (upstream's step 3c) without a GET.
//   2. POST the "Marking for deletion" Event: only now is the pod known to exist.
//   3. DELETE with `preconditions.uid`.
//
// 404/409 anywhere mean "someone else removed or replaced the pod": outcome 'gone', no event, not counted.
// Every other failure rejects, and the queue partition retries with backoff.

import type { ApiBudget } from '../shared/apiBudget.js';
import type { Clock } from '../shared/clock.js';
import type { EvictionOutcome, ReasonId } from '../shared/decisions.js';
import type { EvictionExecutor } from '../shared/executor.js';
import type { Logger } from '../shared/logger.js';
import type { PodRef } from '../shared/types.js';
import { type ApiClient, ApiError, contentTypes, deletionTimestampOf, rfc3339 } from './apiClient.js';
import { eventMessages, eventsPath, type PodEventMessage, podEvent } from './events.js';

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
  /** `reportingInstance` of the Events (e.g. the leader identity). */
  readonly reportingInstance?: string;
  /** Deadline of each API call. */
  readonly requestTimeoutMs?: number;
}

const podPath = (pod: PodRef): string =>
  `/api/v1/namespaces/${encodeURIComponent(pod.namespace)}/pods/${encodeURIComponent(pod.name)}`;

/**
 * 404: the pod is gone. 409: our only precondition is the UID (strategic-merge patches without a
 * resourceVersion are retried on conflicts inside the apiserver), so a conflict means the name now
 * belongs to another pod.
 */
const isGone = (err: unknown): boolean => err instanceof ApiError && (err.code === 404 || err.code === 409);

export class KubeEvictionExecutor implements EvictionExecutor {
  constructor(private readonly options: KubeExecutorOptions) {}

  async evict(pod: PodRef, reasons: readonly ReasonId[]): Promise<EvictionOutcome> {
    const { api, budget, clock, log } = this.options;
    const timeoutMs = this.options.requestTimeoutMs;

    await budget.acquire();
    let patched: unknown;
    try {
      const res = await api.request({
        method: 'PATCH',
        path: `${podPath(pod)}/status`,
        contentType: contentTypes.strategicMerge,
        body: {
          metadata: { uid: pod.uid },
          status: { conditions: [{ ...disruptionTargetCondition, lastTransitionTime: rfc3339(clock.now()) }] },
        },
        timeoutMs,
      });
      patched = res.body;
    } catch (err) {
      if (isGone(err)) {
        log.debug('pod vanished before eviction', { pod: podRefFields(pod), code: codeOf(err) });
        return 'gone';
      }
      throw err;
    }
    if (deletionTimestampOf(patched) !== null) {
      // Upstream's quirk (spec §6.5): already terminating counts as success, without event or delete.
      log.debug('pod already terminating', { pod: podRefFields(pod) });
      return 'alreadyTerminating';
    }

    await this.recordEvent(pod, eventMessages.marking);

    await budget.acquire();
    try {
      await api.request({
        method: 'DELETE',
        path: podPath(pod),
        body: { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: pod.uid } },
        timeoutMs,
      });
    } catch (err) {
      if (isGone(err)) {
        log.debug('pod vanished before delete', { pod: podRefFields(pod), code: codeOf(err) });
        return 'gone';
      }
      throw err;
    }
    // The main thread logs every finished eviction with its latency; this is the worker-side trace.
    log.debug('deleted pod', { pod: podRefFields(pod), reasons });
    return 'deleted';
  }

  async recordCancellation(pod: PodRef): Promise<void> {
    await this.recordEvent(pod, eventMessages.cancelling);
  }

  /**
   * Events are best effort, as with upstream's asynchronous event broadcaster: a failed Event must not
   * block (or, through a retry, repeat) the eviction it describes.
   */
  private async recordEvent(pod: PodRef, message: PodEventMessage): Promise<void> {
    const { api, budget, clock, log } = this.options;
    await budget.acquire();
    try {
      await api.request({
        method: 'POST',
        path: eventsPath(pod.namespace),
        body: podEvent(pod, message, clock.now(), this.options.reportingInstance),
        timeoutMs: this.options.requestTimeoutMs,
      });
    } catch (err) {
      log.warn('failed to record event', { pod: podRefFields(pod), event: message, error: errorText(err) });
    }
  }
}

/** `--dry-run`: says what it would do and writes nothing. Reports 'gone' so no deletion is counted. */
export class DryRunEvictionExecutor implements EvictionExecutor {
  constructor(private readonly log: Logger) {}

  async evict(pod: PodRef, reasons: readonly ReasonId[]): Promise<EvictionOutcome> {
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

const podRefFields = (pod: PodRef): string => `${pod.namespace}/${pod.name}(${pod.uid})`;
const codeOf = (err: unknown): number => (err instanceof ApiError ? err.code : 0);
const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));
