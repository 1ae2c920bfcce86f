// `device-taint-evictor explain pod <namespace>/<name>` and `explain rule <name> [--effect NoExecute]`:
// what the controller decides for a pod or a DeviceTaintRule, and why, from the cluster as it is now —
// read-only (get and list, never watch or write), with the controller's own decision code. Flags are
// declared here; the engine, the Kubernetes client and the rest are imported only when it runs.
//
// Exit codes (src/shared/exitCodes.ts): 0 explained (whatever the verdict); 1 the cluster could not be
// read (kubeconfig, unreachable server, missing permissions: one line); 2 a usage error — a bad flag or
// argument, and also a pod or rule that does not exist (one line naming it): the question was wrong,
// not the cluster.

import { type Command, InvalidArgumentError, Option } from 'commander';
import { defaultControllerOptions } from '../main/app/options.js';
import type { BrakeFlags } from '../main/explain/brakes.js';
import type { ExplainOptions, ExplainTarget, OutputFormat } from '../main/explain/index.js';
import { EXIT } from '../shared/exitCodes.js';
import {
  oneOf,
  parseNonNegativeNumber,
  parsePercent,
  parsePositiveDurationMs,
  parsePositiveInt,
} from './parseFlags.js';

const OUTPUTS: readonly OutputFormat[] = ['human', 'json', 'yaml'];
const RUN_DEFAULTS = defaultControllerOptions(1);

/** What commander hands the actions. */
export interface ExplainFlags {
  kubeconfig?: string;
  context?: string;
  output: OutputFormat;
  workloadClaims: boolean;
  breakerNamespace: string;
  breakerName: string;
  maxEvictionsPerSecond: number;
  maxEvictionsBurst: number;
  breakerMaxEvictions?: number;
  breakerMaxPercent?: number;
  breakerWindow: number;
  effect?: 'NoExecute';
}

/** `<namespace>/<name>`. */
export function parsePodRef(value: string): { namespace: string; name: string } {
  const parts = value.split('/');
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '')
    throw new InvalidArgumentError(`give the pod as <namespace>/<name>, got "${value}"`);
  return { namespace: parts[0] as string, name: parts[1] as string };
}

function addCommonOptions(command: Command): Command {
  return (
    command
      .option('--kubeconfig <path>', 'path to a kubeconfig file (else KUBECONFIG, ~/.kube/config, in-cluster)')
      .option('--context <name>', 'kubeconfig context to use')
      .addOption(new Option('-o, --output <format>', 'human, json or yaml').argParser(oneOf(OUTPUTS)).default('human'))
      .option('--workload-claims', 'honour PodGroup-owned claims, as run --workload-claims', false)
      .option(
        '--breaker-namespace <ns>',
        "the controller's namespace, where the breaker's ConfigMap lives (default: $POD_NAMESPACE, else kube-system)",
        process.env.POD_NAMESPACE || 'kube-system',
      )
      .option('--breaker-name <name>', "the breaker's ConfigMap", RUN_DEFAULTS.breakerName)
      // run's brake flags, with run's defaults (every brake off): what the estimate assumes.
      .addOption(
        new Option('--max-evictions-per-second <rate>', 'as run: evictions started per second; 0 = unlimited')
          .argParser(parseNonNegativeNumber)
          .default(RUN_DEFAULTS.maxEvictionsPerSecond),
      )
      .addOption(
        new Option('--max-evictions-burst <n>', 'as run: evictions that may start at once after a quiet spell')
          .argParser(parsePositiveInt)
          .default(RUN_DEFAULTS.maxEvictionsBurst),
      )
      .addOption(
        new Option(
          '--breaker-max-evictions <n>',
          'as run: the breaker opens when one more start would exceed n per window',
        ).argParser(parsePositiveInt),
      )
      .addOption(
        new Option(
          '--breaker-max-percent <p>',
          '… or p percent of the pods that use ResourceClaims (the lower limit wins)',
        ).argParser(parsePercent),
      )
      .addOption(
        new Option('--breaker-window <duration>', 'as run: the window the breaker counts evictions in')
          .argParser(parsePositiveDurationMs)
          .default(RUN_DEFAULTS.breakerWindowMs, '10m'),
      )
  );
}

function brakeFlags(flags: ExplainFlags): BrakeFlags {
  return {
    maxEvictionsPerSecond: flags.maxEvictionsPerSecond,
    maxEvictionsBurst: flags.maxEvictionsBurst,
    breakerMaxEvictions: flags.breakerMaxEvictions ?? null,
    breakerMaxPercent: flags.breakerMaxPercent ?? null,
    breakerWindowMs: flags.breakerWindow,
  };
}

/** Turns parsed flags into what `explain` runs with. */
export function explainOptions(target: ExplainTarget, flags: ExplainFlags): ExplainOptions {
  return {
    target,
    output: flags.output,
    workloadClaims: flags.workloadClaims,
    breakerNamespace: flags.breakerNamespace,
    breakerName: flags.breakerName,
    brakes: brakeFlags(flags),
    ...(flags.effect !== undefined ? { effect: flags.effect } : {}),
    ...(flags.kubeconfig !== undefined ? { kubeconfig: flags.kubeconfig } : {}),
    ...(flags.context !== undefined ? { context: flags.context } : {}),
  };
}

/** Explains and prints; an unknown pod or rule is one line and exit 2, anything else propagates (exit 1). */
async function runExplain(options: ExplainOptions): Promise<void> {
  const { explainToText, ExplainNotFoundError } = await import('../main/explain/index.js');
  let text: string;
  try {
    text = await explainToText(options);
  } catch (error) {
    if (!(error instanceof ExplainNotFoundError)) throw error;
    process.stderr.write(`device-taint-evictor: ${error.message}\n`);
    process.exitCode = EXIT.usage;
    return;
  }
  process.stdout.write(text);
}

/** Registers `explain pod` and `explain rule`; `start` runs the checked options (the real one imports lazily). */
export function registerExplainCommand(
  program: Command,
  start: (options: ExplainOptions) => Promise<void> = runExplain,
): Command {
  const explain = program
    .command('explain')
    .description(
      "Explain, read-only, what the controller decides for a pod or a DeviceTaintRule and why (the controller's own decision code).",
    );
  addCommonOptions(
    explain
      .command('pod')
      .description(
        "a pod's claims → allocated devices → taints (slices, DeviceTaintRules) → matching tolerations → the verdict, and what the brakes would do",
      )
      .argument('<namespace/name>', 'the pod', parsePodRef),
  ).action((ref: { namespace: string; name: string }, flags: ExplainFlags) =>
    start(explainOptions({ kind: 'pod', namespace: ref.namespace, name: ref.name }, flags)),
  );
  addCommonOptions(
    explain
      .command('rule')
      .description(
        'the devices a DeviceTaintRule selects, the pods it would evict (by namespace, with times) and the pods its tolerations protect',
      )
      .argument('<name>', 'the DeviceTaintRule'),
  )
    .addOption(
      new Option('--effect <effect>', 'preview the rule as if its effect were NoExecute').argParser(
        oneOf(['NoExecute'] as const),
      ),
    )
    .action((name: string, flags: ExplainFlags) => start(explainOptions({ kind: 'rule', name }, flags)));
  return explain;
}
