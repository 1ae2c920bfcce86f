// rolling: devices fail one after another at a steady rate, as a flaky rack degrades: r devices per
// second, each its own slice update, until the requested number of devices is tainted.

import { shuffled } from '../../shared/random.js';
import { deviceKey } from '../types.js';
import { delay, type StormContext, type StormResult } from './context.js';

export async function rollingStorm(ctx: StormContext): Promise<StormResult> {
  const startedAt = ctx.clock.now();
  const slicesByPool = new Map(ctx.plan.slices.map((s) => [s.pool, s]));
  // Devices in use first: tainting an idle device evicts nothing and only measures the API server.
  const inUse = new Map(ctx.pods.map((p) => [deviceKey(p.device), p.device]));
  const targets = shuffled([...inUse.values()], ctx.random).slice(0, ctx.opts.rollingDevices ?? inUse.size);
  const intervalMs = 1000 / ctx.opts.rate;
  const taint = { key: ctx.opts.taintKey, value: ctx.opts.taintValue, effect: 'NoExecute' };
  const writes: Promise<unknown>[] = [];
  let issued = 0;
  for (const device of targets) {
    // Paced against the start, not the previous write, so slow responses do not lower the rate.
    const wait = startedAt + issued * intervalMs - ctx.clock.now();
    if (wait > 0) await delay(ctx.clock, wait);
    if (Date.now() > ctx.deadline) break;
    const slice = slicesByPool.get(device.pool);
    if (slice === undefined) continue;
    issued++;
    writes.push(ctx.tainter.taint(slice, [device.device], taint).then(() => ctx.tick(targets.length)));
  }
  await Promise.all(writes);
  return {
    name: 'rolling',
    startedAt,
    finishedAt: ctx.clock.now(),
    operations: issued,
    devicesTainted: issued,
    details: { ratePerSecond: ctx.opts.rate, plannedDevices: targets.length },
  };
}
