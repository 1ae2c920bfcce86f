#!/usr/bin/env node
// `device-taint-evictor`: one binary, several commands. Only `run` ever talks to a cluster you did not
// start yourself; `demo` and `sim` bring their own simulated API server on 127.0.0.1.
//
// Every command's flags are declared here or beside it, but what a command runs is imported only when
// it runs: `run` must not carry the load generator's or the simulator's modules (memory, start-up).
// Errors are one line on stderr with the exit codes of src/shared/exitCodes.ts: 2 for usage (with a
// hint, never the whole help), 1 for anything the run itself hits.

import { Command, CommanderError } from 'commander';
import type { ControllerOptions } from '../main/app/options.js';
import { VERSION } from '../main/app/version.js';
import { EXIT } from '../shared/exitCodes.js';
import { oneOf, parseNonNegativeInt, parsePositiveInt, parseRatio, UsageError } from './parseFlags.js';
import { registerRunCommand } from './runCommand.js';

/** One line on stderr and the exit code: what an operator needs, never a stack trace for a known failure. */
function die(error: unknown): never {
  const usage = error instanceof UsageError;
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`device-taint-evictor: ${message}${usage ? ' (see --help)' : ''}\n`);
  if (process.env.DTE_DEBUG === '1' && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  process.exit(usage ? EXIT.usage : EXIT.failure);
}

async function runController(options: ControllerOptions): Promise<void> {
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
    process.exit(EXIT.failure);
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

interface SimFlags {
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
}

function registerSimCommand(program: Command): void {
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
    .action(async (flags: SimFlags) => {
      const ruleVersions = flags.ruleVersions
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '')
        .map(oneOf(['v1', 'v1beta2', 'v1alpha3'] as const));
      // A million pods need more heap than Node's default limit: ask for it (src/cli/simHeap.ts).
      const { reexecWithHeap, simHeapNeedMb } = await import('./simHeap.js');
      const print = (line: string) => process.stdout.write(`${line}\n`);
      if (await reexecWithHeap(simHeapNeedMb(flags.pods, flags.nodes, flags.devicesPerNode), print)) return;
      const { runSimCommand } = await import('../sim/index.js');
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
      });
    });
}

export async function buildProgram(): Promise<Command> {
  const program = new Command('device-taint-evictor')
    .description(
      'Evicts pods whose DRA devices carry NoExecute taints they do not tolerate (the kube-controller-manager device taint eviction controller, multi-core).',
    )
    .version(VERSION, '--version', 'print the version')
    // A mistake gets one line and a hint, not 40 lines of help; commands inherit these settings.
    .showHelpAfterError('(see --help)')
    .configureOutput({ outputError: (str, write) => write(str) })
    .exitOverride();
  registerRunCommand(program, runController);
  registerSimCommand(program);
  // The load and demo commands declare their flags beside their code; their actions import the rest.
  const { registerLoadCommand } = await import('../load/command.js');
  registerLoadCommand(program);
  const { registerDemoCommand } = await import('../demo/command.js');
  registerDemoCommand(program);
  const { registerBreakerCommand } = await import('./breakerCommand.js');
  registerBreakerCommand(program);
  (await import('./explainCommand.js')).registerExplainCommand(program);
  for (const command of program.commands) command.exitOverride();
  return program;
}

async function main(): Promise<void> {
  const program = await buildProgram();
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version "exit" with code 0 through the override; commander printed the rest.
      process.exit(error.exitCode === 0 ? EXIT.ok : EXIT.usage);
    }
    die(error);
  }
}

main().catch(die);
