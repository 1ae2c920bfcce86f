// A simulated API server on 127.0.0.1:0 plus a client-node `LoadCluster` pointed at it, for the load
// generator's tests. No controller runs: tests play the controller themselves where they need one.

import { KubeConfig } from '@kubernetes/client-node';
import { KubeLoadCluster } from '../../src/load/cluster.js';
import { LOAD_DEFAULTS, type LoadOptions, parseLoadOptions } from '../../src/load/options.js';
import { type SimServer, type SimServerOptions, startSimServer } from '../../src/sim/index.js';

export interface LoadSim {
  readonly sim: SimServer;
  readonly kc: KubeConfig;
  readonly cluster: KubeLoadCluster;
  close(): Promise<void>;
}

export async function startLoadSim(opts: SimServerOptions = {}): Promise<LoadSim> {
  const sim = await startSimServer({ port: 0, ...opts });
  const kc = new KubeConfig();
  kc.loadFromString(sim.kubeconfigYaml());
  return { sim, kc, cluster: new KubeLoadCluster(kc), close: () => sim.close() };
}

/** Small, quiet options for tests; override what the test is about. */
export function testOptions(overrides: Partial<Record<keyof LoadOptions, unknown>> = {}): LoadOptions {
  return parseLoadOptions({ ...LOAD_DEFAULTS, progress: 'off', timeout: 20, settle: 0, ...overrides });
}
