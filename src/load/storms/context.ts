// What every storm gets to work with. Storms only write through `cluster`, only record through
// `ledger`, and report progress through `tick`, so one storm can be run alone in a test.

import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import type { LoadCluster } from '../cluster.js';
import type { TaintLedger } from '../ledger.js';
import type { LoadOptions } from '../options.js';
import type { PopulationPlan } from '../population.js';
import type { LoadPod } from '../types.js';
import type { SliceTainter } from './sliceTainter.js';

export interface StormContext {
  readonly cluster: LoadCluster;
  readonly plan: PopulationPlan;
  /** Pods alive as far as the generator knows; churn adds and removes. */
  readonly pods: LoadPod[];
  readonly ledger: TaintLedger;
  readonly tainter: SliceTainter;
  readonly opts: LoadOptions;
  readonly clock: Clock;
  readonly log: Logger;
  readonly random: () => number;
  /** Wall-clock ms after which the storm must stop issuing work. */
  readonly deadline: number;
  /** The generator deletes this pod itself: exclude it from judging. Called before the DELETE is sent. */
  readonly markSelfDeleted: (uid: string) => void;
  /** One unit of storm work done (progress). */
  readonly tick: (total: number) => void;
}

export interface StormResult {
  readonly name: string;
  readonly startedAt: number;
  readonly finishedAt: number;
  /** API writes the storm issued (slice patches, rule writes, pod creates/deletes). */
  readonly operations: number;
  /** Devices that gained a NoExecute taint. */
  readonly devicesTainted: number;
  /** Storm-specific facts for the report (e.g. the dry-run status message of cluster-rule). */
  readonly details: Readonly<Record<string, string | number | boolean | null>>;
}

/** Resolves after `ms` on `clock`: paces rate-limited storms. */
export const delay = (clock: Clock, ms: number): Promise<void> =>
  new Promise((resolve) => {
    clock.setTimer(resolve, ms);
  });
