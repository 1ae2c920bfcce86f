// `explain`'s command line: the pod argument, the output formats, the brake flags `run` shares, and
// the usage errors refused before anything connects.

import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { parsePodRef, registerExplainCommand } from '../../src/cli/explainCommand.js';
import { UsageError } from '../../src/cli/parseFlags.js';
import type { ExplainOptions } from '../../src/main/explain/index.js';

/** Parses `explain <args>` and returns what explain would run with (or throws the usage error). */
async function optionsOf(args: readonly string[]): Promise<ExplainOptions> {
  const program = new Command('t').exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  let got: ExplainOptions | null = null;
  registerExplainCommand(program, async (options) => {
    got = options;
  });
  await program.parseAsync(['node', 't', 'explain', ...args]);
  if (got === null) throw new Error('the action did not run');
  return got;
}

describe('explain flags', () => {
  it('pod <namespace>/<name>, human output, run’s brake defaults (all off), the breaker in kube-system', async () => {
    expect(await optionsOf(['pod', 'team-a/trainer-0'])).toEqual({
      target: { kind: 'pod', namespace: 'team-a', name: 'trainer-0' },
      output: 'human',
      workloadClaims: false,
      breakerNamespace: 'kube-system',
      breakerName: 'device-taint-evictor-breaker',
      brakes: {
        maxEvictionsPerSecond: 0,
        maxEvictionsBurst: 1,
        breakerMaxEvictions: null,
        breakerMaxPercent: null,
        breakerWindowMs: 600_000,
      },
    });
  });

  it('rule <name> --effect NoExecute -o yaml, with run’s brake flags and connection flags', async () => {
    const o = await optionsOf([
      'rule',
      'drain-node-3',
      '--effect',
      'NoExecute',
      '-o',
      'yaml',
      '--kubeconfig',
      'k.yaml',
      '--context',
      'prod',
      '--workload-claims',
      '--breaker-namespace',
      'dte',
      '--max-evictions-per-second',
      '2.5',
      '--max-evictions-burst',
      '5',
      '--breaker-max-evictions',
      '100',
      '--breaker-max-percent',
      '10',
      '--breaker-window',
      '5m',
    ]);
    expect(o).toEqual({
      target: { kind: 'rule', name: 'drain-node-3' },
      effect: 'NoExecute',
      output: 'yaml',
      kubeconfig: 'k.yaml',
      context: 'prod',
      workloadClaims: true,
      breakerNamespace: 'dte',
      breakerName: 'device-taint-evictor-breaker',
      brakes: {
        maxEvictionsPerSecond: 2.5,
        maxEvictionsBurst: 5,
        breakerMaxEvictions: 100,
        breakerMaxPercent: 10,
        breakerWindowMs: 300_000,
      },
    });
  });

  it('refuses bad arguments with a usage error (exit 2 in the binary)', async () => {
    const usage = async (args: readonly string[]) => {
      const error = await optionsOf(args).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error instanceof CommanderError || error instanceof UsageError).toBe(true);
      return error as Error;
    };
    expect((await usage(['pod', 'trainer-0'])).message).toContain(
      'give the pod as <namespace>/<name>, got "trainer-0"',
    );
    expect((await usage(['pod', 'a/b/c'])).message).toContain('<namespace>/<name>');
    expect((await usage(['pod', 'ns/p', '-o', 'table'])).message).toContain('expected one of human, json, yaml');
    expect((await usage(['rule', 'r', '--effect', 'None'])).message).toContain('expected one of NoExecute');
    expect((await usage(['rule', 'r', '--breaker-max-percent', '0'])).message).toContain('percentage');
    expect((await usage(['pod', 'ns/p', '--breaker-window', '10'])).message).toContain('duration');
    expect((await usage(['pod', 'ns/p', '--effect', 'NoExecute'])).message).toContain('unknown option');
  });

  it('parsePodRef', () => {
    expect(parsePodRef('ns/name')).toEqual({ namespace: 'ns', name: 'name' });
    expect(() => parsePodRef('/name')).toThrow();
    expect(() => parsePodRef('ns/')).toThrow();
  });
});
