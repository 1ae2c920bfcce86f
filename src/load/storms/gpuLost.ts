// gpu-lost: k nodes lose their GPUs at the same moment, as when an XID 79 ("GPU has fallen off the bus")
// hits: the driver taints every device of each node in one slice update, all nodes concurrently.

import { shuffled } from '../../shared/random.js';
import type { LoadSlice } from '../types.js';
import type { StormContext, StormResult } from './context.js';

/** `a,b,c … (+N more)`: keeps the printed table readable when hundreds of nodes are lost. */
export function abbreviate(names: readonly string[], max: number): string {
  const shown = names.slice(0, max).join(',');
  return names.length > max ? `${shown} … (+${names.length - max} more)` : shown;
}

/** Slices of nodes that host pods first (a lost node without pods evicts nothing), seeded order. */
export function pickLostSlices(ctx: Pick<StormContext, 'plan' | 'pods' | 'random'>, count: number): LoadSlice[] {
  const busy = new Set(ctx.pods.map((p) => p.nodeName));
  const withPods = ctx.plan.slices.filter((s) => busy.has(s.nodeName));
  const idle = ctx.plan.slices.filter((s) => !busy.has(s.nodeName));
  return [...shuffled(withPods, ctx.random), ...shuffled(idle, ctx.random)].slice(0, count);
}

export async function gpuLostStorm(ctx: StormContext): Promise<StormResult> {
  const startedAt = ctx.clock.now();
  const lost = pickLostSlices(ctx, ctx.opts.lostNodes);
  const taint = { key: ctx.opts.taintKey, value: ctx.opts.taintValue, effect: 'NoExecute' };
  await Promise.all(
    lost.map(async (slice) => {
      await ctx.tainter.taint(slice, slice.devices, taint);
      ctx.tick(lost.length);
    }),
  );
  return {
    name: 'gpu-lost',
    startedAt,
    finishedAt: ctx.clock.now(),
    operations: lost.length,
    devicesTainted: lost.reduce((n, s) => n + s.devices.length, 0),
    details: {
      lostNodes: lost.length,
      lostNodeNames: abbreviate(
        lost.map((s) => s.nodeName),
        10,
      ),
    },
  };
}
