// Builds the engine together with its rule status loop. The two reference each other (the engine
// schedules status refreshes; the updater reads the engine's rule cache and counts), so the updater
// gets a source that forwards to the engine created right after it.

import type { BackoffOptions } from '../../shared/backoff.js';
import { EvictionEngine, type EvictionEngineOptions } from './engine.js';
import { type RuleStatusSource, RuleStatusUpdater, type RuleStatusWriter } from './ruleStatusUpdater.js';

export interface EngineWithRuleStatusOptions extends Omit<EvictionEngineOptions, 'ruleStatus'> {
  readonly writer: RuleStatusWriter;
  readonly backoff?: BackoffOptions;
  /** Start the status updater paused (the controller resumes it once synced and leading). */
  readonly ruleStatusPaused?: boolean;
}

export function createEngineWithRuleStatus(opts: EngineWithRuleStatusOptions): {
  engine: EvictionEngine;
  ruleStatus: RuleStatusUpdater;
} {
  let engine: EvictionEngine | null = null;
  const source: RuleStatusSource = {
    getRule: (name) => engine?.getRule(name) ?? null,
    ruleCondition: (name) => engine?.ruleCondition(name) ?? null,
  };
  const ruleStatus = new RuleStatusUpdater({
    clock: opts.clock,
    source,
    writer: opts.writer,
    log: opts.log,
    ...(opts.backoff !== undefined ? { backoff: opts.backoff } : {}),
    ...(opts.ruleStatusPaused !== undefined ? { paused: opts.ruleStatusPaused } : {}),
  });
  engine = new EvictionEngine({ ...opts, ruleStatus });
  return { engine, ruleStatus };
}
