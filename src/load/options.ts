// What a load run is told to do. The same definitions drive the CLI (command.ts registers them on
// commander) and programmatic callers (tests, the end-to-end run): both go through `parseLoadOptions`,
// so a value the CLI rejects is rejected everywhere.

import { z } from 'zod';
import { LOAD_DEFAULTS, LOAD_OPTION_DEFINITIONS, PROGRESS_MODES, STORMS } from './optionDefinitions.js';

export {
  LOAD_DEFAULTS,
  LOAD_OPTION_DEFINITIONS,
  type LoadOptionDefinition,
  PROGRESS_MODES,
  type ProgressMode,
  STORMS,
  type StormName,
} from './optionDefinitions.js';

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

// The defaults and the flag table (optionDefinitions.ts) must fit the schema.
LOAD_DEFAULTS satisfies Partial<LoadOptions>;
LOAD_OPTION_DEFINITIONS satisfies readonly { readonly key: keyof LoadOptions }[];

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
