// churn: ordinary pod turnover, r operations per second for a duration, alternating "delete a pod (and
// its claim)" and "create a replacement on the freed device". The generator's own deletions are excluded
// from judging; the point is that the controller, busy or not, deletes none of the others wrongly.

import { createLoadPod, drawToleration, type PodPlan } from '../population.js';
import type { LoadPod } from '../types.js';
import { delay, type StormContext, type StormResult } from './context.js';

export async function churnStorm(ctx: StormContext): Promise<StormResult> {
  const startedAt = ctx.clock.now();
  const total = Math.floor(ctx.opts.churnSeconds * ctx.opts.rate);
  const intervalMs = 1000 / ctx.opts.rate;
  const freed: LoadPod[] = [];
  const inFlight = new Set<Promise<void>>();
  let created = 0;
  let deleted = 0;
  let failures = 0;
  const track = (work: Promise<void>) => {
    const p = work
      .catch((err: unknown) => {
        failures++;
        ctx.log.warn('churn operation failed', { err: String(err) });
      })
      .finally(() => {
        inFlight.delete(p);
        ctx.tick(total);
      });
    inFlight.add(p);
  };
  for (let op = 0; op < total; op++) {
    const wait = startedAt + op * intervalMs - ctx.clock.now();
    if (wait > 0) await delay(ctx.clock, wait);
    if (Date.now() > ctx.deadline) break;
    // Bounded like the initial create: a slow server must not pile up unbounded requests.
    while (inFlight.size >= ctx.opts.concurrency) await Promise.race(inFlight);
    // Odd operations refill a device freed by the previous deletion; the rest delete.
    const replacement = op % 2 === 1 ? freed.shift() : undefined;
    if (replacement !== undefined) {
      const index = created++;
      const name = `pod-${ctx.plan.runId}-churn-${index}`;
      const plan: PodPlan = {
        namespace: replacement.namespace,
        name,
        claimName: `${name}-gpu`,
        nodeName: replacement.nodeName,
        device: replacement.device,
        toleration: drawToleration(ctx.random, ctx.opts),
      };
      track(
        createLoadPod(ctx.cluster, ctx.plan, plan).then((pod) => {
          ctx.pods.push(pod);
        }),
      );
      continue;
    }
    const victimIndex = Math.floor(ctx.random() * ctx.pods.length);
    const victim = ctx.pods[victimIndex];
    if (victim === undefined) continue;
    ctx.pods.splice(victimIndex, 1);
    ctx.markSelfDeleted(victim.uid);
    deleted++;
    freed.push(victim);
    track(
      (async () => {
        await ctx.cluster.deletePod(victim.namespace, victim.name);
        await ctx.cluster.deleteClaim(victim.namespace, victim.claimName);
      })(),
    );
  }
  await Promise.all(inFlight);
  return {
    name: 'churn',
    startedAt,
    finishedAt: ctx.clock.now(),
    operations: created + deleted,
    devicesTainted: 0,
    details: { created, deleted, failures, ratePerSecond: ctx.opts.rate },
  };
}
