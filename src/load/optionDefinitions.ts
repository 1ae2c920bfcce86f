// The flags of `device-taint-evictor load` and their defaults: plain data, free of zod, because the CLI
// registers every command's flags at start-up and `run` must not pay for the load generator's schema
// (zod is ≈ 10 MB of the `run` process's memory). The schema itself is in options.ts, imported when
// the command runs.

export const STORMS = ['gpu-lost', 'cluster-rule', 'rolling', 'churn', 'none'] as const;
export type StormName = (typeof STORMS)[number];

export const PROGRESS_MODES = ['auto', 'bars', 'plain', 'off'] as const;
export type ProgressMode = (typeof PROGRESS_MODES)[number];

export const LOAD_DEFAULTS = {
  namespace: 'dte-load',
  pods: 100,
  devicesPerNode: 8,
  nodePrefix: 'load-node',
  driver: 'gpu.nvidia.com',
  storm: 'gpu-lost',
  lostNodes: 1,
  rate: 10,
  churnSeconds: 10,
  tolerationRatio: 0,
  tolerationSeconds: 30,
  foreverRatio: 0,
  taintKey: 'gpu.nvidia.com/xid',
  taintValue: '79',
  concurrency: 32,
  // Unlimited by default, as before: --concurrency bounds the generator. Against a shared cluster set
  // e.g. --qps 50 --burst 100.
  qps: 0,
  burst: 100,
  // The controller's own defaults (--kube-api-qps 20, --kube-api-burst 30).
  controllerQps: 20,
  controllerBurst: 30,
  controllerMetricsInsecure: false,
  timeout: 300,
  settle: 2,
  skewMs: 1000,
  ruleStatusWait: 30,
  cleanup: true,
  createNodes: false,
  force: false,
  seed: 1,
  progress: 'auto',
} as const;

/** One CLI flag: commander flags, help text, and the option key it fills. */
export interface LoadOptionDefinition {
  readonly flags: string;
  readonly description: string;
  /** The option it fills (checked against `LoadOptions` in options.ts). */
  readonly key: string;
}

/** Flags of `device-taint-evictor load`; defaults come from `LOAD_DEFAULTS` via `parseLoadOptions`. */
export const LOAD_OPTION_DEFINITIONS = [
  {
    flags: '--kubeconfig <path>',
    key: 'kubeconfig',
    description: 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config)',
  },
  { flags: '--context <name>', key: 'context', description: 'kubeconfig context' },
  {
    flags: '--namespace <name>',
    key: 'namespace',
    description: `namespace for pods and claims (default ${LOAD_DEFAULTS.namespace})`,
  },
  {
    flags: '--pods <n>',
    key: 'pods',
    description: `pods to create, one claim and one device each (default ${LOAD_DEFAULTS.pods})`,
  },
  { flags: '--nodes <n>', key: 'nodes', description: 'nodes to publish slices for (default: pods / devices-per-node)' },
  {
    flags: '--devices-per-node <n>',
    key: 'devicesPerNode',
    description: `devices per node slice (default ${LOAD_DEFAULTS.devicesPerNode})`,
  },
  {
    flags: '--node-prefix <prefix>',
    key: 'nodePrefix',
    description: `node and pool name prefix (default ${LOAD_DEFAULTS.nodePrefix})`,
  },
  {
    flags: '--driver <name>',
    key: 'driver',
    description: `DRA driver name of the synthetic devices (default ${LOAD_DEFAULTS.driver})`,
  },
  {
    flags: '--storm <name>',
    key: 'storm',
    description: `storm to run: ${STORMS.join(', ')} (default ${LOAD_DEFAULTS.storm})`,
  },
  {
    flags: '--lost-nodes <k>',
    key: 'lostNodes',
    description: `gpu-lost: nodes whose devices are all tainted at once (default ${LOAD_DEFAULTS.lostNodes})`,
  },
  {
    flags: '--rate <r>',
    key: 'rate',
    description: `rolling: devices tainted per second; churn: pod operations per second (default ${LOAD_DEFAULTS.rate})`,
  },
  {
    flags: '--rolling-devices <n>',
    key: 'rollingDevices',
    description: 'rolling: devices to taint in total (default: every device in use)',
  },
  {
    flags: '--churn-seconds <s>',
    key: 'churnSeconds',
    description: `churn: duration in seconds (default ${LOAD_DEFAULTS.churnSeconds})`,
  },
  {
    flags: '--toleration-ratio <f>',
    key: 'tolerationRatio',
    description: 'fraction of claims tolerating the taint for --toleration-seconds (default 0)',
  },
  {
    flags: '--toleration-seconds <s>',
    key: 'tolerationSeconds',
    description: `tolerationSeconds of those claims (default ${LOAD_DEFAULTS.tolerationSeconds})`,
  },
  {
    flags: '--forever-ratio <f>',
    key: 'foreverRatio',
    description: 'fraction of claims tolerating the taint forever; they must never be evicted (default 0)',
  },
  { flags: '--taint-key <key>', key: 'taintKey', description: `taint key (default ${LOAD_DEFAULTS.taintKey})` },
  {
    flags: '--taint-value <value>',
    key: 'taintValue',
    description: `taint value, e.g. an XID code (default ${LOAD_DEFAULTS.taintValue})`,
  },
  {
    flags: '--concurrency <n>',
    key: 'concurrency',
    description: `API requests in flight while creating (default ${LOAD_DEFAULTS.concurrency})`,
  },
  {
    flags: '--qps <r>',
    key: 'qps',
    description: `this generator's own client: requests per second, all requests (default ${LOAD_DEFAULTS.qps} = unlimited)`,
  },
  {
    flags: '--burst <n>',
    key: 'burst',
    description: `this generator's own client: burst above --qps (default ${LOAD_DEFAULTS.burst})`,
  },
  {
    flags: '--controller-qps <r>',
    key: 'controllerQps',
    description: `the controller's --kube-api-qps, to judge whether its API budget bound throughput (default ${LOAD_DEFAULTS.controllerQps})`,
  },
  {
    flags: '--controller-burst <n>',
    key: 'controllerBurst',
    description: `the controller's --kube-api-burst (default ${LOAD_DEFAULTS.controllerBurst})`,
  },
  {
    flags: '--controller-metrics <url>',
    key: 'controllerMetrics',
    description: "the controller's /metrics URL: its own API write counts replace what the watch sees (optional)",
  },
  {
    flags: '--controller-metrics-token-file <path>',
    key: 'controllerMetricsTokenFile',
    description: 'bearer token for --controller-metrics (a controller running with --metrics-secure)',
  },
  {
    flags: '--controller-metrics-insecure',
    key: 'controllerMetricsInsecure',
    description: "accept the controller's self-signed metrics certificate",
  },
  {
    flags: '--timeout <s>',
    key: 'timeout',
    description: `upper bound of the whole run in seconds (default ${LOAD_DEFAULTS.timeout})`,
  },
  {
    flags: '--settle <s>',
    key: 'settle',
    description: `keep watching this long after the last expected eviction (default ${LOAD_DEFAULTS.settle})`,
  },
  {
    flags: '--skew-ms <ms>',
    key: 'skewMs',
    description: `clock skew allowed before an early deletion counts as wrongful (default ${LOAD_DEFAULTS.skewMs})`,
  },
  {
    flags: '--rule-status-wait <s>',
    key: 'ruleStatusWait',
    description: `cluster-rule: wait for the dry-run status this long (default ${LOAD_DEFAULTS.ruleStatusWait})`,
  },
  { flags: '--no-cleanup', key: 'cleanup', description: 'keep the created namespace, slices and rule' },
  {
    flags: '--create-nodes',
    key: 'createNodes',
    description:
      'create a KWOK-annotated Node per synthetic node (real clusters garbage-collect pods bound to missing nodes)',
  },
  {
    flags: '--force',
    key: 'force',
    description: 'taint devices even if slices this run did not create publish the driver',
  },
  {
    flags: '--seed <n>',
    key: 'seed',
    description: `seed for picking tolerations, nodes and devices (default ${LOAD_DEFAULTS.seed})`,
  },
  { flags: '--output <file>', key: 'output', description: 'write the JSON summary to this file' },
  {
    flags: '--progress <mode>',
    key: 'progress',
    description: `${PROGRESS_MODES.join(', ')} (default auto: bars on a terminal)`,
  },
] as const satisfies readonly LoadOptionDefinition[];
