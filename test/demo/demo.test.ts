// The embedded demo end to end, in-process: simulated API server, the real controller (worker threads,
// HTTP through a kubeconfig, a blast-radius breaker) and the five-act story, exactly as `npm start` plays
// it (minus the reading pauses). Asserts what the demo claims, from the demo's own observations of the
// cluster.

import { beforeAll, describe, expect, test } from 'vitest';
import { runDemoCommand } from '../../src/demo/command.js';
import type { DemoReport } from '../../src/demo/report.js';

const TOLERATION_SECONDS = 5;
/** Acts 1–4 evict these; act 5's evictions depend on which starts win the breaker's last places. */
const EVICTED_BY_ACTS_1_TO_4 = ['trainer-n1-g3', 'trainer-n2-g1', 'trainer-n3-g0', 'trainer-n3-g1', 'trainer-n3-g2'];
let output = '';
let errors = '';
let code = -1;
let report: DemoReport;

/**
 * How many evictions the runaway rule got before the breaker opened: the 3 left of its window — or 2,
 * when the two worker threads reached for the last place at once (both hold back; the breaker opens
 * early, never late). Act 5 asserts it equals the breaker's own count.
 */
const runawayEvictions = (): number => report.breaker?.evictedBeforeOpen.length ?? Number.NaN;

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
      ['5. The runaway rule and the breaker', true],
    ]);
    expect(report.ok).toBe(true);
    expect(code).toBe(0);
  });

  test('exactly the pods on NoExecute-tainted devices without a forever toleration were evicted', () => {
    const breaker = report.breaker;
    if (breaker === null) throw new Error('act 5 did not report on the breaker');
    const names = (labels: readonly string[]) => labels.map((l) => l.split('/')[1]);
    const evicted = report.pods.filter((p) => p.fate === 'evicted').map((p) => p.pod.name);
    expect(evicted.sort()).toEqual(
      [...EVICTED_BY_ACTS_1_TO_4, ...names(breaker.evictedBeforeOpen), ...names(breaker.releasedByReset)].sort(),
    );
    expect(report.pods.filter((p) => p.fate === 'wrongful' || p.fate === 'missing')).toEqual([]);
    expect(report.totals.wrongful).toBe(0);
    // Untainted pods, the pods tolerating forever (one on the rule's node) and those whose evictions the
    // deleted runaway rule had made due (held, then cancelled) are all still running.
    const running = report.pods.filter((p) => p.fate === 'running');
    expect(running).toHaveLength(16 - 5 - runawayEvictions() - 1);
    expect(running.map((p) => p.pod.name).sort()).toEqual(names(breaker.cancelledByRuleDelete).sort());
    expect(running.every((p) => p.deletion === null)).toBe(true);
    expect(outcome('trainer-n3-g3').pod.toleration).toEqual({ kind: 'forever' });
    expect(outcome('trainer-n1-g2').pod.toleration).toEqual({ kind: 'forever' });
  });

  test('every eviction went through the controller: DisruptionTarget condition, event, counted once', () => {
    for (const p of report.pods.filter((o) => o.fate === 'evicted')) {
      expect(p.deletion?.disruptionTarget).toMatchObject({
        status: 'True',
        reason: 'DeletionByDeviceTaintManager',
      });
    }
    const deleted = report.controllerResults.filter((r) => r.outcome === 'deleted').map((r) => r.pod.name);
    expect(deleted.sort()).toEqual(
      report.pods
        .filter((p) => p.fate === 'evicted')
        .map((p) => p.pod.name)
        .sort(),
    );
    expect(deleted).toHaveLength(5 + runawayEvictions() + 1);
    expect(output).toContain('event DeviceTaintManagerEviction: "Marking for deletion"');
    // Condition patch + event + delete; upstream needs a GET on top. Cancellations and the breaker's
    // events are writes too, but not for an eviction: counted beside.
    expect(report.totals.writesPerEviction).toBe(3);
    expect(report.totals.cancellationEvents).toBe(11 - runawayEvictions() - 1);
    expect(report.totals.breakerEvents).toBe(2);
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
    for (const act of ['== Act 1.', '== Act 2.', '== Act 3.', '== Act 4.', '== Act 5.']) expect(output).toContain(act);
    expect(output).toContain('rule drain-gpu-node-0003: EvictionInProgress=False NoEffect');
    const header = lines.findIndex((l) => l.startsWith('act ') && l.includes('wrongful'));
    expect(header).toBeGreaterThan(0);
    const total = lines.find((l) => l.startsWith('total'));
    expect(total).toMatch(new RegExp(`^total\\s+${5 + runawayEvictions() + 1}\\s+0\\s`));
    expect(output).toContain('Wrongful evictions: 0');
    // It ends pointing at the explicit command for real clusters, and never ran one itself.
    expect(output).toContain('Against a real cluster: device-taint-evictor run --kubeconfig');
  });

  test('act 5: the breaker lets exactly what is left of its window through, then holds the runaway rule', () => {
    const breaker = report.breaker;
    if (breaker === null) throw new Error('act 5 did not report on the breaker');
    // 8 allowed in the window, 5 used by acts 1–4: the rule over every device got the 3 left (2 when the
    // two workers raced for the last place), exactly as many as the breaker counted.
    expect(breaker).toMatchObject({ limit: 8, usedBefore: 5 });
    expect(breaker.due).toHaveLength(11);
    const k = runawayEvictions();
    expect(k).toBe(breaker.windowEvictionsAtOpen - breaker.usedBefore);
    expect([2, 3]).toContain(k);
    expect(breaker.heldAtOpen).toBe(11 - k);
    expect(breaker.reasonAtOpen).toBe('starting one more eviction would exceed 8 evictions in 600 s');
    expect(breaker.causesAtOpen).toEqual([
      `rule drain-gpu-node-0000 (all devices, taint example.com/maintenance=drain:NoExecute): ${11 - k} pods`,
    ]);
    // Every pod the rule made due went one of three ways: through, cancelled with the rule, released.
    expect([...breaker.evictedBeforeOpen, ...breaker.cancelledByRuleDelete, ...breaker.releasedByReset].sort()).toEqual(
      [...breaker.due].sort(),
    );
    expect(breaker.cancelledByRuleDelete).toHaveLength(11 - k - 1);
    expect(breaker.releasedByReset).toHaveLength(1);
    // The record: opened holding 8, then 1 once the rule was gone, then closed by the operator's reset.
    const records = report.breakerRecords.map((r) => [r.record.state, r.record.heldPods]);
    expect(records.slice(-3)).toEqual([
      ['open', 11 - k],
      ['open', 1],
      ['closed', 1],
    ]);
    expect(records.every(([state], i) => state === (i === records.length - 1 ? 'closed' : 'open'))).toBe(true);
    expect(report.breakerRecords.at(-1)?.record.resetBy).toMatch(/\(breaker reset\)$/);
    // Held pods were not deleted while it was open: the only deletion after the opening was written is
    // the released one, after the reset.
    const openedAt = report.breakerRecords[0]?.at ?? Number.NaN;
    const resetAt = report.breakerRecords.at(-1)?.at ?? Number.NaN;
    const label = (o: (typeof report.pods)[number]) => `${o.pod.namespace}/${o.pod.name}`;
    const later = report.pods.filter((o) => o.deletion !== null && o.deletion.at > openedAt);
    for (const o of later) {
      if (breaker.releasedByReset.includes(label(o))) expect(o.deletion?.at).toBeGreaterThan(resetAt);
      else expect(breaker.evictedBeforeOpen).toContain(label(o));
    }
    const released = report.pods.find((o) => label(o) === breaker.releasedByReset[0]);
    expect(released).toMatchObject({ fate: 'evicted', pod: { toleration: { kind: 'none' } } });
    expect(
      report.controllerResults.find((r) => r.pod.uid === released?.pod.uid)?.reasons.some((r) => r.startsWith('slice')),
    ).toBe(true);
  });

  test('act 5 prints what the operator sees and the commands to type', () => {
    expect(output).toContain('controller error: Eviction breaker OPEN: no eviction starts until an operator resets it');
    expect(output).toContain('$ device-taint-evictor breaker status -n kube-system');
    expect(output).toMatch(/Breaker kube-system\/device-taint-evictor-breaker: OPEN since .*\n.*Reason: {4}starting/);
    expect(output).toContain(`Held:      ${11 - runawayEvictions()} due evictions`);
    expect(output).toContain('Held:      1 due eviction (nothing is lost; it starts after a reset)');
    expect(output).toContain('The leader releases the 1 held eviction within a few seconds');
    expect(output).toContain('$ kubectl delete devicetaintrule drain-gpu-node-0000');
    expect(output).toContain('$ device-taint-evictor breaker reset --namespace kube-system');
    expect(output).toContain(
      `kubectl -n kube-system patch configmap device-taint-evictor-breaker --type merge -p '{"data":{"state":"closed"}}'`,
    );
    expect(output).toContain('event on DeviceTaintRule drain-gpu-node-0000: Warning EvictionBreakerOpen');
    expect(output).toContain('held by the breaker until the reset');
    expect(output).toContain(
      `The breaker: 8 evictions allowed in 10 min, 5 used by acts 1–4; the runaway rule got ${runawayEvictions()},`,
    );
  });
});
