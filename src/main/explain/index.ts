// `device-taint-evictor explain`: read the cluster once (read-only), feed the controller's engine,
// explain a pod or a rule, render it. The CLI (src/cli/explainCommand.ts) imports this module only
// when the command runs.

import type { BrakeFlags } from './brakes.js';
import { type ExplainTarget, readCluster } from './clusterReader.js';
import type { ExplainInput } from './common.js';
import { explainPod } from './podExplanation.js';
import { type OutputFormat, render } from './render.js';
import { explainRule } from './ruleExplanation.js';
import type { Explanation } from './types.js';

export { ExplainError, ExplainNotFoundError } from './common.js';
export type { ExplainTarget, OutputFormat };

export interface ExplainOptions {
  readonly target: ExplainTarget;
  /** `explain rule … --effect NoExecute`. */
  readonly effect?: 'NoExecute';
  readonly output: OutputFormat;
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly workloadClaims: boolean;
  readonly breakerNamespace: string;
  readonly breakerName?: string;
  readonly brakes: BrakeFlags;
  /** The clock (tests). */
  readonly now?: () => number;
}

/** Explains the target against the cluster; throws ExplainError (exit 1) or ExplainNotFoundError (exit 2). */
export async function explain(options: ExplainOptions): Promise<Explanation> {
  const snapshot = await readCluster({
    workloadClaims: options.workloadClaims,
    breakerNamespace: options.breakerNamespace,
    target: options.target,
    ...(options.kubeconfig !== undefined ? { kubeconfig: options.kubeconfig } : {}),
    ...(options.context !== undefined ? { context: options.context } : {}),
    ...(options.breakerName !== undefined ? { breakerName: options.breakerName } : {}),
  });
  const input: ExplainInput = {
    snapshot,
    // Whole seconds, as the API server keeps times (a taint's timeAdded, for one).
    now: Math.floor((options.now ?? Date.now)() / 1000) * 1000,
    workloadClaims: options.workloadClaims,
    brakes: options.brakes,
  };
  const target = options.target;
  return target.kind === 'pod'
    ? explainPod(input, target.namespace, target.name)
    : explainRule(input, target.name, options.effect === undefined ? {} : { effect: options.effect });
}

export async function explainToText(options: ExplainOptions): Promise<string> {
  return render(await explain(options), options.output);
}
