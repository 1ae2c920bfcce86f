// Writes a DeviceTaintRule's EvictionInProgress condition by server-side apply on the status subresource,
// as upstream does (docs/behaviour.md §2.8 step 5): field manager = controller name, force = true, and the rule UID
// in the apply configuration so a write never lands on a same-name replacement rule (the apiserver
// answers 422 on the immutable metadata.uid instead). client-node 1.4.0 has no status methods for DeviceTaintRule, so this is a raw
// request at whatever version discovery found.

import type { ApiBudget } from '../shared/apiBudget.js';
import type { Logger } from '../shared/logger.js';
import type { RuleStatusWriter } from '../shared/ruleStatusWriter.js';
import type { RuleCondition, RuleRecord } from '../shared/types.js';
import { FenceClosedError, WriteFence } from '../shared/writeFence.js';
import { type ApiClient, contentTypes, isGoneOrReplaced, rfc3339 } from './apiClient.js';
import { controllerName } from './podEvents.js';

export type { RuleStatusWriter };

export interface KubeRuleStatusWriterOptions {
  readonly api: ApiClient;
  readonly budget: ApiBudget;
  /** `resource.k8s.io/v1`, `resource.k8s.io/v1beta2` or `resource.k8s.io/v1alpha3`. */
  readonly apiVersion: string;
  readonly log: Logger;
  readonly requestTimeoutMs?: number;
  /** The process's write permission (leader lease); always open without leader election. */
  readonly fence?: WriteFence;
}

const alwaysOpen = WriteFence.alwaysOpen();

export class KubeRuleStatusWriter implements RuleStatusWriter {
  constructor(private readonly options: KubeRuleStatusWriterOptions) {
    if (!/^[a-z0-9.-]+\/v[a-z0-9]+$/.test(options.apiVersion))
      throw new Error(`DeviceTaintRule apiVersion must be <group>/<version>, got ${options.apiVersion}`);
  }

  /** The apply configuration sent for `rule`; exported for tests and dry runs. */
  applyConfiguration(rule: RuleRecord, condition: RuleCondition): Record<string, unknown> {
    return {
      apiVersion: this.options.apiVersion,
      kind: 'DeviceTaintRule',
      metadata: { name: rule.name, uid: rule.uid },
      status: {
        conditions: [
          {
            type: condition.type,
            status: condition.status,
            reason: condition.reason,
            message: condition.message,
            observedGeneration: condition.observedGeneration,
            lastTransitionTime: rfc3339(condition.lastTransitionTime),
          },
        ],
      },
    };
  }

  /** Resolves when written, or when the rule is gone / replaced (nothing left to report on). */
  async apply(rule: RuleRecord, condition: RuleCondition): Promise<void> {
    const { api, budget, apiVersion, log } = this.options;
    const fence = this.options.fence ?? alwaysOpen;
    await budget.acquire();
    // Refused (and retried by the updater with backoff) while this process holds no valid lease.
    if (!fence.isOpen()) throw new FenceClosedError(`DeviceTaintRule ${rule.name} status`);
    try {
      await api.request({
        method: 'PATCH',
        path: `/apis/${apiVersion}/devicetaintrules/${encodeURIComponent(rule.name)}/status`,
        query: { fieldManager: controllerName, force: 'true' },
        contentType: contentTypes.apply,
        body: this.applyConfiguration(rule, condition),
        timeoutMs: this.options.requestTimeoutMs,
        mayRetry: () => fence.isOpen(),
      });
    } catch (err) {
      if (isGoneOrReplaced(err)) {
        log.debug('rule gone before status update', { rule: rule.name, uid: rule.uid, error: String(err) });
        return;
      }
      throw err;
    }
  }
}
