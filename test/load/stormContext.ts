// Builds a StormContext over a test's simulated cluster, recording what the storm reports back.

import type { LoadCluster } from '../../src/load/cluster.js';
import { TaintLedger } from '../../src/load/ledger.js';
import type { LoadOptions } from '../../src/load/options.js';
import type { PopulationPlan } from '../../src/load/population.js';
import type { StormContext } from '../../src/load/storms/context.js';
import { SliceTainter } from '../../src/load/storms/sliceTainter.js';
import type { LoadPod } from '../../src/load/types.js';
import { RealClock } from '../../src/shared/clock.js';
import { silentLogger } from '../../src/shared/logger.js';
import { seededRandom } from '../../src/shared/random.js';

export interface RecordedStormContext extends StormContext {
  readonly selfDeleted: Set<string>;
  readonly ticks: number[];
}

export function stormContext(
  cluster: LoadCluster,
  opts: LoadOptions,
  plan: PopulationPlan,
  pods: readonly LoadPod[],
  overrides: Partial<StormContext> = {},
): RecordedStormContext {
  const ledger = new TaintLedger();
  const clock = new RealClock();
  const selfDeleted = new Set<string>();
  const ticks: number[] = [];
  return {
    cluster,
    plan,
    pods: [...pods],
    ledger,
    tainter: new SliceTainter(cluster, ledger, clock),
    opts,
    clock,
    log: silentLogger,
    random: seededRandom(opts.seed),
    deadline: Date.now() + 30_000,
    markSelfDeleted: (uid) => selfDeleted.add(uid),
    tick: (total) => ticks.push(total),
    selfDeleted,
    ticks,
    ...overrides,
  };
}
