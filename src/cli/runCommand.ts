// `device-taint-evictor run`: the flags, with kube-controller-manager's names where it has an
// equivalent, a YAML config file they override, and every check that can be made without the network
// made before anything is started. Nothing heavy is imported until the command actually runs.

import { existsSync } from 'node:fs';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { validateLeaderTimings } from '../kube/leaderElection.js';
import { breakerConfigured } from '../main/app/brakes.js';
import { defaultWorkers } from '../main/app/cpuQuota.js';
import {
  type ControllerOptions,
  DEFAULT_SECURE_METRICS_ADDRESS,
  defaultControllerOptions,
  type LogFormat,
  type LogLevel,
} from '../main/app/options.js';
import { type FeatureGates, parseFeatureGates } from './featureGates.js';
import {
  oneOf,
  parseDurationOrZeroMs,
  parseNonNegativeInt,
  parseNonNegativeNumber,
  parsePercent,
  parsePositiveDurationMs,
  parsePositiveInt,
  UsageError,
} from './parseFlags.js';

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
const LOG_FORMATS: readonly LogFormat[] = ['json', 'text'];

/** Below this a shard worker cannot even start (its runtime, executor and HTTP client take ≈ 10 MB). */
const WORKER_MIN_OLD_SPACE_MB = 64;
/** An integer number of MB, at least `min`. */
const parseMinimumMb =
  (min: number) =>
  (value: string): number => {
    const mb = parsePositiveInt(value);
    if (mb < min) throw new InvalidArgumentError(`at least ${min} MB`);
    return mb;
  };

/** `--workers auto|N`. */
const parseWorkers = (value: string): number | 'auto' => (value === 'auto' ? 'auto' : parsePositiveInt(value));
/** `--decode-threads auto|N`. */
const parseDecodeThreads = (value: string): number | 'auto' => (value === 'auto' ? 'auto' : parseNonNegativeInt(value));

/** klog verbosity → our levels: 0–3 is what kube-controller-manager logs by default, 4+ is debug. */
export const levelOfVerbosity = (v: number): LogLevel => (v >= 4 ? 'debug' : 'info');

/** What commander hands the action: option values by camel-cased long name. */
export interface RunFlags {
  config?: string;
  kubeconfig?: string;
  context?: string;
  workers: number | 'auto';
  concurrentDeviceTaintEvictionSyncs: number;
  concurrentSyncs?: number;
  kubeApiQps: number;
  kubeApiBurst: number;
  leaderElect: boolean;
  leaderElectResourceNamespace: string;
  leaderElectResourceName: string;
  leaderElectLeaseDuration: number;
  leaderElectRenewDeadline: number;
  leaderElectRetryPeriod: number;
  leaderElectNamespace?: string;
  leaderElectLeaseName?: string;
  metricsBindAddress?: string;
  metricsSecure: boolean;
  tlsCertFile?: string;
  tlsPrivateKeyFile?: string;
  logLevel?: LogLevel;
  v?: number;
  logFormat: LogFormat;
  dryRun: boolean;
  evictionMode: 'delete' | 'evict';
  evictionTimeout: number;
  workloadClaims: boolean;
  featureGates?: FeatureGates;
  decodeThreads: number | 'auto';
  workerMaxOldSpaceMb: number;
  workerMaxYoungGenerationMb: number;
  maxEvictionsPerSecond: number;
  maxEvictionsBurst: number;
  breakerMaxEvictions?: number;
  breakerMaxPercent?: number;
  breakerWindow: number;
  breakerAutoResetAfter?: number;
  breakerNamespace?: string;
  breakerName: string;
}

/** Registers `run` on `program`; `start` is called with the checked options (the real one imports lazily). */
export function registerRunCommand(program: Command, start: (options: ControllerOptions) => Promise<void>): Command {
  const d = defaultControllerOptions(1);
  const command = program
    .command('run')
    .description('Run the controller against a cluster (kubeconfig, KUBECONFIG, ~/.kube/config or in-cluster config).')
    .option('--config <file>', 'YAML file with flag values (keys are the long flag names); flags override it')
    .option('--kubeconfig <path>', 'path to a kubeconfig file')
    .option('--context <name>', 'kubeconfig context to use')
    .addOption(
      new Option('--workers <n|auto>', 'worker threads owning eviction queue partitions; auto = CPU quota, ≤ 8')
        .argParser(parseWorkers)
        .default('auto'),
    )
    .addOption(
      new Option(
        '--concurrent-device-taint-eviction-syncs <n>',
        'evictions in flight at once, across all workers (kube-controller-manager default)',
      )
        .argParser(parsePositiveInt)
        .default(d.concurrentSyncs),
    )
    .addOption(
      new Option('--concurrent-syncs <n>', 'deprecated: --concurrent-device-taint-eviction-syncs')
        .argParser(parsePositiveInt)
        .hideHelp(),
    )
    .addOption(
      new Option('--kube-api-qps <qps>', 'API write budget shared by all threads; 0 = unlimited')
        .argParser(parseNonNegativeNumber)
        .default(d.kubeApiQps),
    )
    .addOption(
      new Option('--kube-api-burst <n>', 'burst of the API write budget')
        .argParser(parsePositiveInt)
        .default(d.kubeApiBurst),
    )
    .option('--leader-elect', 'campaign for a coordination.k8s.io/v1 Lease; only the leader writes', false)
    .option('--leader-elect-resource-namespace <ns>', 'namespace of the Lease', d.leaderElectResourceNamespace)
    .option('--leader-elect-resource-name <name>', 'name of the Lease', d.leaderElectResourceName)
    .addOption(
      new Option('--leader-elect-lease-duration <duration>', 'how long candidates wait after the last observed renewal')
        .argParser(parsePositiveDurationMs)
        .default(d.leaderElectLeaseDurationMs, '15s'),
    )
    .addOption(
      new Option(
        '--leader-elect-renew-deadline <duration>',
        'how long the leader tries to renew before it stops leading',
      )
        .argParser(parsePositiveDurationMs)
        .default(d.leaderElectRenewDeadlineMs, '10s'),
    )
    .addOption(
      new Option('--leader-elect-retry-period <duration>', 'how often candidates try to acquire and the leader renews')
        .argParser(parsePositiveDurationMs)
        .default(d.leaderElectRetryPeriodMs, '2s'),
    )
    .addOption(new Option('--leader-elect-namespace <ns>', 'deprecated').hideHelp())
    .addOption(new Option('--leader-elect-lease-name <name>', 'deprecated').hideHelp())
    .option(
      '--metrics-bind-address <addr>',
      `host:port for /metrics, /healthz, /readyz; 0 disables (default: ${d.metricsBindAddress}, with --metrics-secure ${DEFAULT_SECURE_METRICS_ADDRESS})`,
    )
    .option('--metrics-secure', 'HTTPS, with TokenReview authentication and SubjectAccessReview authorization', false)
    .option('--tls-cert-file <path>', 'serving certificate for --metrics-secure (default: self-signed)')
    .option('--tls-private-key-file <path>', 'its private key')
    .addOption(new Option('--log-level <level>', 'log level').argParser(oneOf(LOG_LEVELS)))
    .addOption(new Option('-v, --v <n>', 'klog-style verbosity: 0-3 info, 4+ debug').argParser(parseNonNegativeInt))
    .addOption(new Option('--log-format <format>', 'json or text').argParser(oneOf(LOG_FORMATS)).default(d.logFormat))
    .option('--dry-run', 'decide and log, never write to the API', false)
    .addOption(
      new Option(
        '--eviction-mode <mode>',
        'delete (upstream) or evict: the eviction API, which respects PodDisruptionBudgets',
      )
        .argParser(oneOf(['delete', 'evict'] as const))
        .default(d.evictionMode),
    )
    .addOption(
      new Option(
        '--eviction-timeout <duration>',
        'with --eviction-mode evict: how long a disruption budget may hold an eviction before the pod is deleted anyway; 0 = never',
      )
        .argParser(parseDurationOrZeroMs)
        .default(d.evictionTimeoutMs, '10m'),
    )
    .option(
      '--workload-claims',
      'honour PodGroup-owned claims (= --feature-gates DRAWorkloadResourceClaims=true)',
      false,
    )
    .addOption(
      new Option('--feature-gates <gates>', 'Name=true|false,… as for kube-controller-manager').argParser(
        parseFeatureGates,
      ),
    )
    .addOption(
      new Option(
        '--decode-threads <n|auto>',
        'piscina threads decoding list pages; 0 = main thread; auto = 2 with ≥ 4 cores, else 0',
      )
        .argParser(parseDecodeThreads)
        .default('auto'),
    )
    .addOption(
      new Option(
        '--worker-max-old-space-mb <mb>',
        "each worker thread's V8 old-generation cap; ≈ 0.8 KB per eviction its queue holds (a replay included); a worker over it is restarted with its queue replayed",
      )
        .argParser(parseMinimumMb(WORKER_MIN_OLD_SPACE_MB))
        .default(d.workerMaxOldSpaceMb),
    )
    .addOption(
      new Option(
        '--worker-max-young-generation-mb <mb>',
        "each worker thread's V8 young-generation cap; 0 = V8's default (48)",
      )
        .argParser(parseNonNegativeInt)
        .default(d.workerMaxYoungGenerationMb),
    )
    .addOption(
      new Option(
        '--max-evictions-per-second <rate>',
        'evictions started per second across all workers (a token bucket); 0 = unlimited',
      )
        .argParser(parseNonNegativeNumber)
        .default(d.maxEvictionsPerSecond),
    )
    .addOption(
      new Option('--max-evictions-burst <n>', 'evictions that may start at once after a quiet spell')
        .argParser(parsePositiveInt)
        .default(d.maxEvictionsBurst),
    )
    .addOption(
      new Option(
        '--breaker-max-evictions <n>',
        'open the blast-radius breaker (no eviction starts until reset) when one more start would exceed n per --breaker-window',
      ).argParser(parsePositiveInt),
    )
    .addOption(
      new Option(
        '--breaker-max-percent <p>',
        '… or p percent of the pods that use ResourceClaims per --breaker-window (the lower limit wins)',
      ).argParser(parsePercent),
    )
    .addOption(
      new Option('--breaker-window <duration>', 'the window the breaker counts evictions in')
        .argParser(parsePositiveDurationMs)
        .default(d.breakerWindowMs, '10m'),
    )
    .addOption(
      new Option(
        '--breaker-auto-reset-after <duration>',
        'close an open breaker by itself after this long; what it held then counts against the limit (default: only `breaker reset` closes it)',
      ).argParser(parsePositiveDurationMs),
    )
    .option(
      '--breaker-namespace <ns>',
      "namespace of the breaker's ConfigMap (default: $POD_NAMESPACE, else --leader-elect-resource-namespace)",
    )
    .option('--breaker-name <name>', "name of the breaker's ConfigMap", d.breakerName);
  command.hook('preAction', async (cmd) => {
    const file = cmd.getOptionValue('config') as string | undefined;
    // Its YAML parser is loaded only for a config file (the process keeps whatever it loads).
    if (file !== undefined) (await import('./configFile.js')).applyConfigFile(cmd, file);
  });
  command.action((flags: RunFlags) => start(controllerOptions(flags)));
  return command;
}

/** A deprecated flag in use: one line on stderr, then its value. */
function deprecated<T>(value: T | undefined, oldName: string, newName: string): T | undefined {
  if (value !== undefined)
    process.stderr.write(`device-taint-evictor: ${oldName} is deprecated and will be removed; use ${newName}\n`);
  return value;
}

/** Where the breaker's record lives: the flag, else the controller's own namespace, else the Lease's. */
export function breakerNamespace(flags: RunFlags, env: NodeJS.ProcessEnv = process.env): string {
  return (
    flags.breakerNamespace ??
    (env.POD_NAMESPACE || undefined) ??
    flags.leaderElectNamespace ??
    flags.leaderElectResourceNamespace
  );
}

/** Turns parsed flags into controller options; throws UsageError for a bad combination. */
export function controllerOptions(flags: RunFlags, cores = defaultWorkers()): ControllerOptions {
  const workers = flags.workers === 'auto' ? defaultWorkers() : flags.workers;
  const base = defaultControllerOptions(workers, cores);
  const gates = flags.featureGates;
  if (gates !== undefined && gates.ignored.length > 0)
    process.stderr.write(
      `device-taint-evictor: feature gates not used by this controller, ignored: ${gates.ignored.join(', ')}\n`,
    );
  if (flags.logLevel !== undefined && flags.v !== undefined)
    throw new UsageError('give either --log-level or -v, not both');
  if ((flags.tlsCertFile === undefined) !== (flags.tlsPrivateKeyFile === undefined))
    throw new UsageError('--tls-cert-file and --tls-private-key-file go together');
  for (const file of [flags.tlsCertFile, flags.tlsPrivateKeyFile])
    if (file !== undefined && !existsSync(file)) throw new UsageError(`${file}: no such file`);
  if (!flags.metricsSecure && flags.tlsCertFile !== undefined)
    throw new UsageError('--tls-cert-file needs --metrics-secure');
  const options: ControllerOptions = {
    ...base,
    ...(flags.kubeconfig !== undefined ? { kubeconfig: flags.kubeconfig } : {}),
    ...(flags.context !== undefined ? { context: flags.context } : {}),
    concurrentSyncs:
      deprecated(flags.concurrentSyncs, '--concurrent-syncs', '--concurrent-device-taint-eviction-syncs') ??
      flags.concurrentDeviceTaintEvictionSyncs,
    kubeApiQps: flags.kubeApiQps,
    kubeApiBurst: flags.kubeApiBurst,
    leaderElect: flags.leaderElect,
    leaderElectResourceNamespace:
      deprecated(flags.leaderElectNamespace, '--leader-elect-namespace', '--leader-elect-resource-namespace') ??
      flags.leaderElectResourceNamespace,
    leaderElectResourceName:
      deprecated(flags.leaderElectLeaseName, '--leader-elect-lease-name', '--leader-elect-resource-name') ??
      flags.leaderElectResourceName,
    leaderElectLeaseDurationMs: flags.leaderElectLeaseDuration,
    leaderElectRenewDeadlineMs: flags.leaderElectRenewDeadline,
    leaderElectRetryPeriodMs: flags.leaderElectRetryPeriod,
    metricsBindAddress:
      flags.metricsBindAddress ?? (flags.metricsSecure ? DEFAULT_SECURE_METRICS_ADDRESS : base.metricsBindAddress),
    metricsSecure: flags.metricsSecure,
    ...(flags.tlsCertFile !== undefined ? { tlsCertFile: flags.tlsCertFile } : {}),
    ...(flags.tlsPrivateKeyFile !== undefined ? { tlsPrivateKeyFile: flags.tlsPrivateKeyFile } : {}),
    logLevel: flags.logLevel ?? (flags.v !== undefined ? levelOfVerbosity(flags.v) : base.logLevel),
    logFormat: flags.logFormat,
    dryRun: flags.dryRun,
    evictionMode: flags.evictionMode,
    evictionTimeoutMs: flags.evictionTimeout,
    workloadClaims: gates?.known.DRAWorkloadResourceClaims ?? flags.workloadClaims,
    deviceTaintRules: gates?.known.DRADeviceTaintRules ?? true,
    decodeThreads: flags.decodeThreads === 'auto' ? base.decodeThreads : flags.decodeThreads,
    workerMaxOldSpaceMb: flags.workerMaxOldSpaceMb,
    workerMaxYoungGenerationMb: flags.workerMaxYoungGenerationMb,
    maxEvictionsPerSecond: flags.maxEvictionsPerSecond,
    maxEvictionsBurst: flags.maxEvictionsBurst,
    breakerMaxEvictions: flags.breakerMaxEvictions ?? null,
    breakerMaxPercent: flags.breakerMaxPercent ?? null,
    breakerWindowMs: flags.breakerWindow,
    breakerAutoResetAfterMs: flags.breakerAutoResetAfter ?? null,
    breakerNamespace: breakerNamespace(flags),
    breakerName: flags.breakerName,
  };
  if (flags.breakerAutoResetAfter !== undefined && !breakerConfigured(options))
    throw new UsageError('--breaker-auto-reset-after needs --breaker-max-evictions or --breaker-max-percent');
  if (gates?.known.DRAWorkloadResourceClaims === false && flags.workloadClaims)
    throw new UsageError('--workload-claims contradicts --feature-gates DRAWorkloadResourceClaims=false');
  try {
    validateLeaderTimings({
      leaseDurationMs: options.leaderElectLeaseDurationMs,
      renewDeadlineMs: options.leaderElectRenewDeadlineMs,
      retryPeriodMs: options.leaderElectRetryPeriodMs,
    });
  } catch (error) {
    throw new UsageError(`leader election timings: ${error instanceof Error ? error.message : String(error)}`);
  }
  return options;
}

export { InvalidArgumentError };
