// What a load run is told to do. The same definitions drive the CLI (command.ts registers them on
// commander) and programmatic callers (tests, the end-to-end run): both go through `parseLoadOptions`,
// so a value the CLI rejects is rejected everywhere.

import { z } from 'zod';

export const STORMS = ['gpu-lost', 'cluster-rule', 'rolling', 'churn', 'none'] as const;
export type StormName = (typeof STORMS)[number];

export const PROGRESS_MODES = ['auto', 'bars', 'plain', 'off'] as const;
export type ProgressMode = (typeof PROGRESS_MODES)[number];

const ratio = z.coerce.number().min(0).max(1);
const positiveInt = z.coerce.number().int().positive();
const nonNegative = z.coerce.number().min(0);
const flag = z.preprocess((v) => (v === 'false' ? false : v === 'true' ? true : v), z.boolean());

const loadOptionsSchema = z
  .object({
    kubeconfig: z.string().optional(),
    context: z.string().optional(),
    namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS label'),
    pods: positiveInt,
    /** Defaults to just enough nodes for one device per pod. */
    nodes: positiveInt.optional(),
    devicesPerNode: positiveInt.max(128),
    nodePrefix: z.string().min(1),
    driver: z.string().min(1),
    storm: z.enum(STORMS),
    /** gpu-lost: how many nodes lose every device at once. */
    lostNodes: positiveInt,
    /** rolling: devices tainted per second; churn: pod operations per second. */
    rate: z.coerce.number().positive(),
    /** rolling: how many devices to taint in total (defaults to every device that has a pod). */
    rollingDevices: positiveInt.optional(),
    /** churn: how long to churn, seconds. */
    churnSeconds: nonNegative,
    tolerationRatio: ratio,
    tolerationSeconds: nonNegative,
    foreverRatio: ratio,
    taintKey: z.string().min(1),
    taintValue: z.string(),
    concurrency: positiveInt.max(1024),
    /** The generator's own client budget, requests per second (all requests); 0 = unlimited. */
    qps: nonNegative,
    burst: positiveInt,
    /** The controller's write budget as assumed for the report (its --kube-api-qps/--kube-api-burst). */
    controllerQps: nonNegative,
    controllerBurst: positiveInt,
    /** The controller's /metrics URL, scraped before the storm and after the wait (optional). */
    controllerMetrics: z.string().url().optional(),
    controllerMetricsTokenFile: z.string().min(1).optional(),
    controllerMetricsInsecure: flag,
    /** Hard bound on the whole run, seconds. */
    timeout: z.coerce.number().positive(),
    /** After the last expected eviction, keep watching this long for wrongful ones, seconds. */
    settle: nonNegative,
    /** How much earlier than its due time a deletion may be seen before it counts as wrongful, ms. */
    skewMs: nonNegative,
    /** cluster-rule: how long to wait for the dry-run status of the `None` rule, seconds. */
    ruleStatusWait: nonNegative,
    cleanup: flag,
    /** Create a (KWOK-annotated) Node per synthetic node name; otherwise pods are bound to names without Nodes. */
    createNodes: flag,
    /** Taint devices of a driver even when slices not created by this run publish it. */
    force: flag,
    seed: z.coerce.number().int(),
    output: z.string().optional(),
    progress: z.enum(PROGRESS_MODES),
  })
  .refine((o) => o.tolerationRatio + o.foreverRatio <= 1, {
    message: 'toleration-ratio + forever-ratio must not exceed 1',
  });

export type LoadOptions = z.infer<typeof loadOptionsSchema>;

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
} as const satisfies Partial<LoadOptions>;

/** Validates and completes options; throws one readable error listing every bad field. */
export function parseLoadOptions(input: Readonly<Record<string, unknown>>): LoadOptions {
  const defined = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  const result = loadOptionsSchema.safeParse({ ...LOAD_DEFAULTS, ...defined });
  if (!result.success) {
    // Name the flag an operator typed, and the value it gave, not the schema's field path.
    const problems = result.error.issues.map((i) => {
      const key = i.path.join('.');
      if (key === '') return i.message;
      const flag = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
      const given = Object.hasOwn(defined, key) ? ` (got "${String(defined[key])}")` : '';
      return `${flag}: ${i.message.replace(/, received NaN$/, '')}${given}`;
    });
    throw new LoadOptionsError(problems.join('; '));
  }
  return result.data;
}

/** A load flag (or programmatic option) that cannot be used: a usage error (exit 2). */
export class LoadOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LoadOptionsError';
  }
}

/** One CLI flag: commander flags, help text, and the option key it fills. */
export interface LoadOptionDefinition {
  readonly flags: string;
  readonly description: string;
  readonly key: keyof LoadOptions;
}

/** Flags of `device-taint-evictor load`; defaults come from `LOAD_DEFAULTS` via `parseLoadOptions`. */
export const LOAD_OPTION_DEFINITIONS: readonly LoadOptionDefinition[] = [
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
];
