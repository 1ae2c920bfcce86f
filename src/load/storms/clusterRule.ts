// cluster-rule: an administrator escalates with a DeviceTaintRule over a whole driver. First with effect
// `None`, to read the controller's dry-run counts from the rule's `EvictionInProgress` condition, then
// flipped to `NoExecute`. The flip clears `timeAdded` so the API server stamps the moment of escalation.

import { arrayField, field, stringField, timeValue } from '../json.js';
import { RUN_LABEL, ruleManifest, runLabels } from '../manifests.js';
import { delay, type StormContext, type StormResult } from './context.js';

export const ruleName = (runId: string): string => `load-${runId}`;

/** Refuses to put a rule over a driver that devices outside this run publish: it would evict real pods. */
export async function assertDriverIsOurs(ctx: StormContext): Promise<void> {
  if (ctx.opts.force) return;
  const slices = await ctx.cluster.listSlices();
  const foreign = slices.items.filter(
    (s) =>
      stringField(s, 'spec', 'driver') === ctx.plan.driver &&
      stringField(s, 'metadata', 'labels', RUN_LABEL) !== ctx.plan.runId,
  );
  if (foreign.length > 0)
    throw new Error(
      `refusing cluster-rule: ${foreign.length} ResourceSlice(s) not created by this run publish driver ` +
        `${ctx.plan.driver} (e.g. ${stringField(foreign[0], 'metadata', 'name')}); use --driver or --force`,
    );
}

export interface RuleCondition {
  readonly status: string;
  readonly reason: string;
  readonly message: string;
  readonly observedGeneration: number;
}

/** The rule's `EvictionInProgress` condition for its current generation, or `null`. */
export function currentEvictionCondition(rule: unknown): RuleCondition | null {
  const generation = field(rule, 'metadata', 'generation');
  for (const c of arrayField(rule, 'status', 'conditions')) {
    if (stringField(c, 'type') !== 'EvictionInProgress') continue;
    const observed = field(c, 'observedGeneration');
    const observedGeneration = typeof observed === 'number' ? observed : 0;
    if (typeof generation === 'number' && observedGeneration < generation) return null;
    return {
      status: stringField(c, 'status'),
      reason: stringField(c, 'reason'),
      message: stringField(c, 'message'),
      observedGeneration,
    };
  }
  return null;
}

const STATUS_POLL_MS = 250;

export async function clusterRuleStorm(ctx: StormContext): Promise<StormResult> {
  const startedAt = ctx.clock.now();
  await assertDriverIsOurs(ctx);
  const version = await ctx.cluster.ruleVersion();
  if (version === null) throw new Error('cluster-rule: the cluster serves no DeviceTaintRule API');
  const name = ruleName(ctx.plan.runId);
  const taint = { key: ctx.opts.taintKey, value: ctx.opts.taintValue };
  await ctx.cluster.createRule(
    ruleManifest(
      `resource.k8s.io/${version}`,
      name,
      ctx.plan.driver,
      { ...taint, effect: 'None' },
      runLabels(ctx.plan.runId),
    ),
  );
  ctx.tick(3);

  // Polling, not watching: one object, a few seconds, and no watch RBAC needed on rules.
  const waitUntil = Math.min(Date.now() + ctx.opts.ruleStatusWait * 1000, ctx.deadline);
  let dryRun: RuleCondition | null = null;
  while (dryRun === null) {
    dryRun = currentEvictionCondition(await ctx.cluster.getRule(name));
    if (dryRun !== null || Date.now() >= waitUntil) break;
    await delay(ctx.clock, STATUS_POLL_MS);
  }
  if (dryRun !== null) ctx.log.info(`cluster-rule dry run: ${dryRun.message}`, { rule: name, reason: dryRun.reason });
  else ctx.log.warn('cluster-rule: no dry-run status from the controller in time; escalating anyway', { rule: name });
  ctx.tick(3);

  const sentAt = ctx.clock.now();
  const escalated = await ctx.cluster.patchRule(name, {
    spec: { taint: { ...taint, effect: 'NoExecute', timeAdded: null } },
  });
  const stamped = timeValue(field(escalated, 'spec', 'taint', 'timeAdded'));
  ctx.ledger.record({
    source: `rule/${name}`,
    ...taint,
    timeAdded: stamped ?? sentAt,
    serverStamped: stamped !== null,
    scope: { kind: 'driver', driver: ctx.plan.driver },
  });
  ctx.tick(3);
  return {
    name: 'cluster-rule',
    startedAt,
    finishedAt: ctx.clock.now(),
    operations: 2,
    devicesTainted: ctx.plan.slices.reduce((n, s) => n + s.devices.length, 0),
    details: {
      rule: name,
      ruleVersion: version,
      dryRunReason: dryRun?.reason ?? null,
      dryRunMessage: dryRun?.message ?? null,
    },
  };
}
