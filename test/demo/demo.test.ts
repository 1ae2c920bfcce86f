// The embedded demo end to end, in-process: simulated API server, the real controller (worker threads,
// HTTP through a kubeconfig) and the four-act story, exactly as `npm start` plays it (minus the reading
// pauses). Asserts what the demo claims, from the demo's own observations of the cluster.

import { beforeAll, describe, expect, test } from 'vitest';
import { runDemoCommand } from '../../src/demo/command.js';
import type { DemoReport } from '../../src/demo/report.js';

const TOLERATION_SECONDS = 5;
let output = '';
let errors = '';
let code = -1;
let report: DemoReport;

const outcome = (name: string) => {
  const o = report.pods.find((p) => p.pod.name === name);
  if (o === undefined) throw new Error(`no pod ${name} in the report`);
  return o;
};

beforeAll(async () => {
  const result = await runDemoCommand(
    { workers: 2, tolerationSeconds: TOLERATION_SECONDS, pause: 0, timeoutScale: 2, verbose: false },
    {
      stdout: {
        isTTY: false,
        write: (text: string) => {
          output += text;
          return true;
        },
      },
      stderr: {
        write: (text: string) => {
          errors += text;
          return true;
        },
      },
    },
  );
  code = result.code;
  report = result.report;
}, 90_000);

describe('the demo story', () => {
  test('every act meets its expectations and the command exits 0', () => {
    expect(report.failures).toEqual([]);
    expect(errors).toBe('');
    expect(report.acts.map((a) => [a.title, a.ok])).toEqual([
      ['1. XID 79 on gpu-node-0001/gpu-3', true],
      [`2. XID 48 on a GPU tolerated ${TOLERATION_SECONDS} s`, true],
      ['3. DeviceTaintRule, effect None', true],
      ['4. DeviceTaintRule → NoExecute', true],
    ]);
    expect(report.ok).toBe(true);
    expect(code).toBe(0);
  });

  test('exactly the pods on NoExecute-tainted devices without a forever toleration were evicted', () => {
    const evicted = report.pods.filter((p) => p.fate === 'evicted').map((p) => p.pod.name);
    expect(evicted.sort()).toEqual([
      'trainer-n1-g3',
      'trainer-n2-g1',
      'trainer-n3-g0',
      'trainer-n3-g1',
      'trainer-n3-g2',
    ]);
    expect(report.pods.filter((p) => p.fate === 'wrongful' || p.fate === 'missing')).toEqual([]);
    expect(report.totals.wrongful).toBe(0);
    // Untainted pods and the pods tolerating forever (one on the rule's node) are all still running.
    const running = report.pods.filter((p) => p.fate === 'running');
    expect(running).toHaveLength(11);
    expect(running.every((p) => p.deletion === null)).toBe(true);
    expect(outcome('trainer-n3-g3').pod.toleration).toEqual({ kind: 'forever' });
    expect(outcome('trainer-n3-g3').fate).toBe('running');
    expect(outcome('trainer-n1-g2').fate).toBe('running');
  });

  test('every eviction went through the controller: DisruptionTarget condition, event, counted once', () => {
    for (const p of report.pods.filter((o) => o.fate === 'evicted')) {
      expect(p.deletion?.disruptionTarget).toMatchObject({
        status: 'True',
        reason: 'DeletionByDeviceTaintManager',
      });
    }
    const deleted = report.controllerResults.filter((r) => r.outcome === 'deleted').map((r) => r.pod.name);
    expect(deleted.sort()).toEqual([
      'trainer-n1-g3',
      'trainer-n2-g1',
      'trainer-n3-g0',
      'trainer-n3-g1',
      'trainer-n3-g2',
    ]);
    expect(output).toContain('event DeviceTaintManagerEviction: "Marking for deletion"');
    // Condition patch + event + delete; upstream needs a GET on top.
    expect(report.totals.writesPerEviction).not.toBeNull();
    expect(report.totals.writesPerEviction).toBeLessThanOrEqual(4);
  });

  test('the tolerating pod was evicted only after its tolerationSeconds', () => {
    for (const name of ['trainer-n2-g1', 'trainer-n3-g2']) {
      const p = outcome(name);
      expect(p.pod.toleration).toEqual({ kind: 'seconds', seconds: TOLERATION_SECONDS });
      const deletedAt = p.deletion?.at ?? Number.NaN;
      const written = p.taintWrittenAt ?? Number.NaN;
      const due = p.dueAt ?? Number.NaN;
      // Due = the apiserver's timeAdded (second precision) + tolerationSeconds; never evicted before it.
      expect(due).toBeGreaterThan(written + TOLERATION_SECONDS * 1000 - 1000);
      expect(deletedAt).toBeGreaterThanOrEqual(due - 100);
      expect(deletedAt - written).toBeGreaterThanOrEqual(TOLERATION_SECONDS * 1000 - 1000);
    }
    // The due time the story names is on the printed stamps' clock: the eviction's line follows it.
    const stampOf = (line: string | undefined) => Number(/^\s*\+(\d+\.\d)s/.exec(line ?? '')?.[1] ?? Number.NaN);
    const lines = output.split('\n');
    const announced = lines.find((l) => l.includes('trainer-n2-g1 tolerates 5 s: it keeps running until'));
    const dueStamp = Number(/until \+(\d+\.\d)s/.exec(announced ?? '')?.[1] ?? Number.NaN);
    const evictedStamp = stampOf(lines.find((l) => l.includes('evicted team-01/trainer-n2-g1 from')));
    expect(evictedStamp).toBeGreaterThanOrEqual(dueStamp - 0.2);
    expect(evictedStamp - dueStamp).toBeLessThan(1);
    // The untolerating pods went right away instead (well inside their act's deadline).
    const immediate = outcome('trainer-n1-g3');
    expect((immediate.deletion?.at ?? Number.NaN) - (immediate.taintWrittenAt ?? Number.NaN)).toBeLessThan(
      TOLERATION_SECONDS * 1000,
    );
  });

  test('the DeviceTaintRule showed its dry-run counts, then PodsPendingEviction, then Completed', () => {
    const reasons = report.ruleConditions.map((c) => c.reason);
    expect(reasons[0]).toBe('NoEffect');
    expect(reasons).toContain('PodsPendingEviction');
    expect(reasons[reasons.length - 1]).toBe('Completed');
    expect(reasons.indexOf('PodsPendingEviction')).toBeLessThan(reasons.lastIndexOf('Completed'));
    expect(report.ruleConditions[0]?.message).toContain(
      '8 published devices selected. 4 allocated devices selected. 3 pods would be evicted in 2 different namespaces if the effect was NoExecute.',
    );
    const last = report.ruleConditions[report.ruleConditions.length - 1];
    expect(last).toMatchObject({ status: 'False', message: '3 pods evicted since starting the controller.' });
  });

  test('prints a stamped, colourless story and the summary table', () => {
    const lines = output.trimEnd().split('\n');
    expect(output.includes('\u001b[')).toBe(false);
    const stamped = lines.filter((l) => /^\s*\+\d+\.\ds {2}/.test(l));
    expect(stamped.length).toBeGreaterThan(20);
    for (const act of ['== Act 1.', '== Act 2.', '== Act 3.', '== Act 4.']) expect(output).toContain(act);
    expect(output).toContain('rule drain-gpu-node-0003: EvictionInProgress=False NoEffect');
    const header = lines.findIndex((l) => l.startsWith('act ') && l.includes('wrongful'));
    expect(header).toBeGreaterThan(0);
    const total = lines.find((l) => l.startsWith('total'));
    expect(total).toMatch(/^total\s+5\s+0\s/);
    expect(output).toContain('Wrongful evictions: 0');
    // It ends pointing at the explicit command for real clusters, and never ran one itself.
    expect(output).toContain('Against a real cluster: device-taint-evictor run --kubeconfig');
  });
});
