// The seam between the rule status loop (src/main/engine, decides what a DeviceTaintRule's condition
// says) and whatever writes it (src/kube: server-side apply on the status subresource; a logger in
// --dry-run; a recorder in tests). Lives low so both sides depend on it, not on each other.

import type { RuleCondition, RuleRecord } from './types.js';

export interface RuleStatusWriter {
  /** Writes `condition` as the rule's EvictionInProgress condition; rejects on a retryable failure. */
  apply(rule: RuleRecord, condition: RuleCondition): Promise<void>;
}
