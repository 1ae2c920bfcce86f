#!/usr/bin/env node
// `device-taint-evictor`: one binary, four commands. Only `run` ever talks to a cluster you did not
// start yourself; `demo` and `sim` bring their own simulated API server on 127.0.0.1.

import os from 'node:os';
import { Command, Option } from 'commander';
import { validateLeaderTimings } from '../kube/leaderElection.js';
import {
  type ControllerOptions,
  defaultControllerOptions,
  type LogFormat,
  type LogLevel,
} from '../main/app/options.js';
import {
  oneOf,
  parseNonNegativeInt,
  parseNonNegativeNumber,
  parsePositiveDurationMs,
  parsePositiveInt,
  parseRatio,
} from './parseFlags.js';

const defaults = defaultControllerOptions(os.availableParallelism());
const logLevels: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
const logFormats: readonly LogFormat[] = ['json', 'text'];

/** A bad combination of flags: one line and a hint, exit 2 (a usage error, like commander's own). */
function usageError(message: string): never {
  process.stderr.write(`device-taint-evictor: ${message} (see --help)\n`);
  process.exit(2);
}

/** One line on stderr, exit 1: what an operator needs, never a stack trace for a known failure. */
function die(error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`device-taint-evictor: ${message}\n`);
  if (process.env.DTE_DEBUG === '1' && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  process.exit(1);
}

interface RunFlags {
  kubeconfig?: string;
  context?: string;
  workers: number;
  concurrentSyncs: number;
  kubeApiQps: number;
  kubeApiBurst: number;
  leaderElect: boolean;
  leaderElectResourceNamespace: string;
  leaderElectResourceName: string;
  leaderElectLeaseDuration: number;
  leaderElectRenewDeadline: number;
  leaderElectRetryPeriod: number;
  /** Deprecated spellings of the two above. */
  leaderElectNamespace?: string;
  leaderElectLeaseName?: string;
  metricsBindAddress: string;
  logLevel: LogLevel;
  logFormat: LogFormat;
  dryRun: boolean;
  workloadClaims: boolean;
  decodeThreads: number;
}

/** Warns once per deprecated flag that was used, on stderr (before any logging is set up). */
function deprecated(used: string | undefined, oldName: string, newName: string): string | undefined {
  if (used !== undefined)
    process.stderr.write(`device-taint-evictor: ${oldName} is deprecated and will be removed; use ${newName}\n`);
  return used;
}

async function runCommand(flags: RunFlags): Promise<void> {
  const {
    leaderElectNamespace,
    leaderElectLeaseName,
    leaderElectLeaseDuration,
    leaderElectRenewDeadline,
    leaderElectRetryPeriod,
    ...rest
  } = flags;
  const options: ControllerOptions = {
    ...defaults,
    ...rest,
    leaderElectResourceNamespace:
      deprecated(leaderElectNamespace, '--leader-elect-namespace', '--leader-elect-resource-namespace') ??
      flags.leaderElectResourceNamespace,
    leaderElectResourceName:
      deprecated(leaderElectLeaseName, '--leader-elect-lease-name', '--leader-elect-resource-name') ??
      flags.leaderElectResourceName,
    leaderElectLeaseDurationMs: leaderElectLeaseDuration,
    leaderElectRenewDeadlineMs: leaderElectRenewDeadline,
    leaderElectRetryPeriodMs: leaderElectRetryPeriod,
  };
  try {
    validateLeaderTimings({
      leaseDurationMs: options.leaderElectLeaseDurationMs,
      renewDeadlineMs: options.leaderElectRenewDeadlineMs,
      retryPeriodMs: options.leaderElectRetryPeriodMs,
    });
  } catch (error) {
    usageError(`leader election timings: ${error instanceof Error ? error.message : String(error)}`);
  }
  const { startController } = await import('../main/app/bootstrap.js');
  // A stray rejected promise must not take the controller down with every scheduled eviction in it; it
  // is a bug worth a loud line, not a crash. A thrown exception may have left state half-updated: exit
  // and let the Deployment restart us (the next leader relists and rebuilds everything).
  process.on('unhandledRejection', (reason) => {
    process.stderr.write(
      `${JSON.stringify({ level: 'error', msg: 'Unhandled promise rejection', error: reason instanceof Error ? reason.message : String(reason) })}\n`,
    );
  });
  process.on('uncaughtException', (error) => {
    process.stderr.write(
      `${JSON.stringify({ level: 'fatal', msg: 'Uncaught exception', error: error.message, stack: error.stack })}\n`,
    );
    process.exit(1);
  });
  const controller = await startController(options);
  const onSignal = (signal: NodeJS.Signals) => {
    void controller.stop(`received ${signal}`);
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  const code = await controller.done;
  process.exit(code);
}

export function buildProgram(): Command {
  const program = new Command('device-taint-evictor')
    .description(
      'Evicts pods whose DRA devices carry NoExecute taints they do not tolerate (the kube-controller-manager device taint eviction controller, multi-core).',
    )
    .showHelpAfterError()
    .configureOutput({ outputError: (str, write) => write(str) });

  program
    .command('run')
    .description('Run the controller against a cluster (kubeconfig, KUBECONFIG, ~/.kube/config or in-cluster config).')
    .option('--kubeconfig <path>', 'path to a kubeconfig file')
    .option('--context <name>', 'kubeconfig context to use')
    .option('--workers <n>', 'worker threads owning eviction queue partitions', parsePositiveInt, defaults.workers)
    .option(
      '--concurrent-syncs <n>',
      'evictions in flight per worker (upstream --concurrent-device-taint-eviction-syncs)',
      parsePositiveInt,
      defaults.concurrentSyncs,
    )
    .option(
      '--kube-api-qps <qps>',
      'API write budget shared by all threads; 0 = unlimited',
      parseNonNegativeNumber,
      defaults.kubeApiQps,
    )
    .option('--kube-api-burst <n>', 'burst of the API write budget', parsePositiveInt, defaults.kubeApiBurst)
    .option('--leader-elect', 'campaign for a coordination.k8s.io/v1 Lease; only the leader evicts', false)
    .option('--leader-elect-resource-namespace <ns>', 'namespace of the Lease', defaults.leaderElectResourceNamespace)
    .option('--leader-elect-resource-name <name>', 'name of the Lease', defaults.leaderElectResourceName)
    .option(
      '--leader-elect-lease-duration <duration>',
      'how long candidates wait after the last observed renewal before taking the lease',
      parsePositiveDurationMs,
      defaults.leaderElectLeaseDurationMs,
    )
    .option(
      '--leader-elect-renew-deadline <duration>',
      'how long the leader keeps trying to renew before it stops leading (and exits)',
      parsePositiveDurationMs,
      defaults.leaderElectRenewDeadlineMs,
    )
    .option(
      '--leader-elect-retry-period <duration>',
      'how often candidates try to acquire and the leader renews',
      parsePositiveDurationMs,
      defaults.leaderElectRetryPeriodMs,
    )
    .addOption(new Option('--leader-elect-namespace <ns>', 'deprecated: --leader-elect-resource-namespace').hideHelp())
    .addOption(new Option('--leader-elect-lease-name <name>', 'deprecated: --leader-elect-resource-name').hideHelp())
    .option(
      '--metrics-bind-address <addr>',
      'host:port for /metrics, /healthz, /readyz; 0 disables',
      defaults.metricsBindAddress,
    )
    .addOption(new Option('--log-level <level>', 'log level').argParser(oneOf(logLevels)).default(defaults.logLevel))
    .addOption(
      new Option('--log-format <format>', 'json or text').argParser(oneOf(logFormats)).default(defaults.logFormat),
    )
    .option('--dry-run', 'decide and log, never write to the API', false)
    .option('--workload-claims', 'honour PodGroup-owned claims (DRAWorkloadResourceClaims)', false)
    .option(
      '--decode-threads <n|auto>',
      'piscina threads decoding list pages; 0 = main thread; auto = 2 with ≥ 4 cores, else 0',
      (v: string) => (v === 'auto' ? defaults.decodeThreads : parseNonNegativeInt(v)),
      defaults.decodeThreads,
    )
    .action((flags: RunFlags) => runCommand(flags).catch(die));

  program
    .command('sim')
    .description('Start a simulated Kubernetes API server on 127.0.0.1 seeded with a synthetic GPU cluster.')
    .option('--port <port>', 'port on 127.0.0.1; 0 = random', parseNonNegativeInt, 0)
    .option('--nodes <n>', 'nodes, one ResourceSlice each', parseNonNegativeInt, 10)
    .option('--devices-per-node <n>', 'GPUs per node', parseNonNegativeInt, 8)
    .option('--pods <n>', 'running pods, each with an allocated claim', parseNonNegativeInt, 100)
    .option('--namespaces <n>', 'namespaces to spread pods over', parsePositiveInt)
    .option('--tolerating-ratio <ratio>', 'share of claims whose allocation tolerates the GPU taints', parseRatio)
    .option('--toleration-seconds <s>', 'tolerationSeconds of those tolerations', parseNonNegativeInt)
    .option(
      '--rule-versions <list>',
      'DeviceTaintRule versions served (comma list of v1,v1beta2,v1alpha3; empty = none)',
      'v1',
    )
    .option('--pod-grace-period-ms <ms>', 'keep deleted pods terminating for this long', parseNonNegativeInt)
    .option('--kubeconfig-out <path>', 'where to write the kubeconfig', 'sim.kubeconfig')
    .action(
      async (flags: {
        port: number;
        nodes: number;
        devicesPerNode: number;
        pods: number;
        namespaces?: number;
        toleratingRatio?: number;
        tolerationSeconds?: number;
        ruleVersions: string;
        podGracePeriodMs?: number;
        kubeconfigOut: string;
      }) => {
        const { runSimCommand } = await import('../sim/index.js');
        const ruleVersions = flags.ruleVersions
          .split(',')
          .map((v) => v.trim())
          .filter((v) => v !== '')
          .map(oneOf(['v1', 'v1beta2', 'v1alpha3'] as const));
        await runSimCommand({
          port: flags.port,
          nodes: flags.nodes,
          devicesPerNode: flags.devicesPerNode,
          pods: flags.pods,
          ruleVersions,
          kubeconfigOut: flags.kubeconfigOut,
          ...(flags.namespaces !== undefined ? { namespaces: flags.namespaces } : {}),
          ...(flags.toleratingRatio !== undefined ? { toleratingRatio: flags.toleratingRatio } : {}),
          ...(flags.tolerationSeconds !== undefined ? { tolerationSeconds: flags.tolerationSeconds } : {}),
          ...(flags.podGracePeriodMs !== undefined ? { podGracePeriodMs: flags.podGracePeriodMs } : {}),
        }).catch(die);
      },
    );

  return program;
}

async function main(): Promise<void> {
  const program = buildProgram();
  // The load command registers itself (its many flags live beside the generator).
  const { registerLoadCommand } = await import('../load/command.js');
  registerLoadCommand(program);
  const { registerDemoCommand } = await import('../demo/command.js');
  registerDemoCommand(program);
  await program.parseAsync(process.argv);
}

main().catch(die);
