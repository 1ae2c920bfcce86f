// Removes what a run created, found by its run label rather than by memory, so a run that died half-way
// leaves nothing a second `cleanupRun` cannot find. Pods and claims are deleted explicitly because a
// namespace the run did not create (e.g. `default`) must survive.

import type { Logger } from '../shared/logger.js';
import { runBounded } from './bounded.js';
import type { LoadCluster } from './cluster.js';
import { stringField } from './json.js';
import { runSelector } from './manifests.js';
import type { PopulationPlan } from './population.js';
import { ruleName } from './storms/clusterRule.js';

export interface CleanupOptions {
  readonly deleteNamespace: boolean;
  readonly concurrency: number;
  readonly log: Logger;
}

export async function cleanupRun(
  cluster: LoadCluster,
  plan: Pick<PopulationPlan, 'runId' | 'namespace'>,
  opts: CleanupOptions,
): Promise<void> {
  const selector = runSelector(plan.runId);
  const attempt = async (what: string, work: () => Promise<void>) => {
    try {
      await work();
    } catch (err) {
      // Best effort: one failing kind must not keep the others around.
      opts.log.warn(`load cleanup: could not delete ${what}`, { err: String(err) });
    }
  };
  await attempt('rule', async () => {
    if ((await cluster.ruleVersion()) !== null) await cluster.deleteRule(ruleName(plan.runId));
  });
  await attempt('pods', async () => {
    const pods = await cluster.listPods(plan.namespace, selector);
    await runBounded(pods.items, opts.concurrency, (p) =>
      cluster.deletePod(plan.namespace, stringField(p, 'metadata', 'name')),
    );
  });
  await attempt('claims', async () => {
    const claims = await cluster.listClaims(plan.namespace, selector);
    await runBounded(claims.items, opts.concurrency, (c) =>
      cluster.deleteClaim(plan.namespace, stringField(c, 'metadata', 'name')),
    );
  });
  await attempt('slices', async () => {
    const slices = await cluster.listSlices(selector);
    await runBounded(slices.items, opts.concurrency, (s) => cluster.deleteSlice(stringField(s, 'metadata', 'name')));
  });
  await attempt('nodes', async () => {
    // Only nodes this run created carry its label; pre-existing ones were left untouched by createNode.
    const nodes = await cluster.listNodes(selector);
    await runBounded(nodes.items, opts.concurrency, (n) => cluster.deleteNode(stringField(n, 'metadata', 'name')));
  });
  if (opts.deleteNamespace) await attempt('namespace', () => cluster.deleteNamespace(plan.namespace));
}
