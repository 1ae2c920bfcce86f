// The named storms of `device-taint-evictor load --storm`.

import type { StormName } from '../options.js';
import { churnStorm } from './churn.js';
import { clusterRuleStorm } from './clusterRule.js';
import type { StormContext, StormResult } from './context.js';
import { gpuLostStorm } from './gpuLost.js';
import { rollingStorm } from './rolling.js';

export type { StormContext, StormResult } from './context.js';

const noStorm = async (ctx: StormContext): Promise<StormResult> => {
  const now = ctx.clock.now();
  ctx.tick(1);
  return { name: 'none', startedAt: now, finishedAt: now, operations: 0, devicesTainted: 0, details: {} };
};

export const STORM_RUNNERS: Readonly<Record<StormName, (ctx: StormContext) => Promise<StormResult>>> = {
  'gpu-lost': gpuLostStorm,
  'cluster-rule': clusterRuleStorm,
  rolling: rollingStorm,
  churn: churnStorm,
  none: noStorm,
};
