// Public surface of the load generator: what `device-taint-evictor load`, the end-to-end tests and the
// benchmarks wire to.

export type { LoadCluster } from './cluster.js';
export { KubeLoadCluster } from './cluster.js';
export { LOAD_EXIT, loadExitCode, registerLoadCommand, stderrLogger } from './command.js';
export {
  LOAD_DEFAULTS,
  LOAD_OPTION_DEFINITIONS,
  type LoadOptionDefinition,
  type LoadOptions,
  parseLoadOptions,
  STORMS,
  type StormName,
} from './options.js';
export { formatSummary, type LatencySummary, type LoadSummary, writeSummary } from './report.js';
export { type RunLoadDeps, runLoad } from './runLoad.js';
