// `device-taint-evictor demo` (and `npm start`): the story in src/demo/story.ts (acts.ts, stage.ts) on a simulated cluster.
// It starts everything it needs on 127.0.0.1 and never reads KUBECONFIG: running against a real
// cluster takes the explicit `run` command. Exit 0 when every act went as expected, 1 otherwise.

import { type Command, InvalidArgumentError } from 'commander';
import { EXIT } from '../shared/exitCodes.js';
import { TimestampedPrinter, wantsColor } from './printer.js';
import type { DemoReport } from './report.js';
import type { DemoOptions } from './stage.js';

export interface DemoFlags {
  readonly workers: number;
  readonly tolerationSeconds: number;
  readonly pause: number;
  readonly timeoutScale: number;
  readonly verbose: boolean;
}

export const DEMO_EXIT = { ok: EXIT.ok, failed: EXIT.failure, interrupted: EXIT.interrupted } as const;

const boundedNumber =
  (what: string, min: number, max: number, integer: boolean) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
      throw new InvalidArgumentError(
        `${what}: expected ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}, got "${value}"`,
      );
    }
    return n;
  };

export interface DemoIo {
  readonly stdout: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly stderr: { write(text: string): unknown };
}

/**
 * Runs the demo and returns its exit code; the story goes to `stdout`, a failure summary to `stderr`.
 * `deps`: the interrupt signal, and for tests a misbehaving controller.
 */
export async function runDemoCommand(
  flags: DemoFlags,
  io: DemoIo = process,
  deps: Pick<DemoOptions, 'startController' | 'signal'> = {},
): Promise<{ code: number; report: DemoReport }> {
  const startedAt = Date.now();
  const printer = new TimestampedPrinter({
    write: (text) => io.stdout.write(text),
    color: wantsColor(io.stdout),
    startedAt,
  });
  // The story pulls in the controller and the simulated cluster: loaded only when the demo runs.
  const { runDemo } = await import('./story.js');
  const report = await runDemo({
    printer,
    workers: flags.workers,
    tolerationSeconds: flags.tolerationSeconds,
    pauseMs: Math.round(flags.pause * 1000),
    timeoutScale: flags.timeoutScale,
    verbose: flags.verbose,
    startedAt,
    ...deps,
  });
  if (report.interrupted) {
    io.stderr.write('device-taint-evictor demo interrupted\n');
    return { code: DEMO_EXIT.interrupted, report };
  }
  if (report.ok) {
    io.stdout.write(
      '\nAgainst a real cluster: device-taint-evictor run --kubeconfig <path> — and disable ' +
        "kube-controller-manager's own controller first (--controllers=*,-device-taint-eviction-controller), " +
        'or both will evict.\n',
    );
  } else {
    const reasons = report.failures.length > 0 ? report.failures : ['an act did not complete'];
    io.stderr.write(`device-taint-evictor demo failed:\n${reasons.map((r) => `  - ${r}`).join('\n')}\n`);
  }
  return { code: report.ok ? DEMO_EXIT.ok : DEMO_EXIT.failed, report };
}

export function registerDemoCommand(program: Command): Command {
  return program
    .command('demo')
    .description(
      'Play a short story on a built-in simulated cluster (127.0.0.1 only; never touches a real cluster): ' +
        'device taints, a tolerated eviction, a DeviceTaintRule from None to NoExecute, a runaway rule stopped ' +
        'by the blast-radius breaker, then a summary.',
    )
    .option('--workers <n>', 'worker threads of the controller', boundedNumber('--workers', 1, 16, true), 2)
    .option(
      '--toleration-seconds <s>',
      'how long the tolerating pods tolerate the GPU taint',
      boundedNumber('--toleration-seconds', 1, 60, true),
      5,
    )
    .option('--pause <s>', 'pause between acts, to read along', boundedNumber('--pause', 0, 30, false), 1)
    .option(
      '--timeout-scale <factor>',
      'multiply every deadline (slow machines)',
      boundedNumber('--timeout-scale', 1, 20, false),
      1,
    )
    .option(
      '--verbose',
      "also print the controller's info logs (API discovery, cache sync, each eviction with its reasons)",
      false,
    )
    .action(async (flags: DemoFlags) => {
      // First Ctrl-C: end the story and shut the controller and the simulated cluster down cleanly.
      // A second one exits at once.
      const interrupt = new AbortController();
      const onSignal = () => {
        if (interrupt.signal.aborted) process.exit(DEMO_EXIT.interrupted);
        interrupt.abort();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      const { code } = await runDemoCommand(flags, process, { signal: interrupt.signal });
      // Exit explicitly: a demo that finished must not linger on a stray keep-alive socket or timer.
      process.exit(code);
    });
}
