// Public surface of the simulated Kubernetes API server.
//
//   const sim = await startSimServer({ ruleVersions: ['v1'], bookmarkIntervalMs: 50 });
//   seedCluster(sim.store, { nodes: 20, pods: 500, toleratingRatio: 0.3 });
//   kc.loadFromString(sim.kubeconfigYaml());          // client-node, or any HTTP client at sim.url
//   sim.store.patch('resourceslices.resource.k8s.io', '', name, 'merge', {...}); // watchers see it
//   sim.requests.count({ verb: 'delete', resource: 'pods' });
//   sim.setFaults({ verbs: { delete: { errorRate: 0.2, code: 500 } }, watchDropIntervalMs: 5000 });
//
// The store holds objects in their storage version (resource.k8s.io/v1 shapes for DRA and rules);
// HTTP converts to the requested version. Writes through the store and through HTTP share one
// resourceVersion sequence, one event history and the same validation and error Status objects.

export { runSimCommand, type SimCommandOptions } from './command.js';
export type { StoredEntry } from './entry.js';
export type { FaultConfig, VerbFault } from './faults.js';
export type { EvictionRetry } from './handlers/eviction.js';
export type { JsonObject, JsonValue } from './json.js';
export type { KubeconfigOptions } from './kubeconfig.js';
export type { PatchType } from './patch.js';
export type { RequestFilter, RequestLog, RequestRecord, SimVerb } from './requestLog.js';
export type { DraVersion, PodGroupVersion, RuleVersion, SimResource } from './resources.js';
export { type SeedOptions, type SeedSummary, seedCluster } from './seed.js';
export { type SimServer, type SimServerOptions, startSimServer } from './server.js';
export { SimApiError } from './status.js';
export {
  type CreateOptions,
  compileFilter,
  type DeleteOptions,
  type EntryFilter,
  formatTime,
  type PatchOptions,
  SimStore,
  type SimStoreOptions,
  type WatchHandle,
  type WatchListener,
} from './store.js';
