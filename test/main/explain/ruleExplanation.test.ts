// `explain rule` on the controller's engine, in virtual time: the devices a rule selects, the pods it
// evicts by namespace with their times, the pods its tolerations protect, and a `None` rule previewed
// as NoExecute (a copy of the rule fed to a second engine) agreeing with the controller's dry run.

import { describe, expect, test } from 'vitest';
import { ExplainNotFoundError } from '../../../src/main/explain/common.js';
import { explainRule } from '../../../src/main/explain/ruleExplanation.js';
import { feedEngine } from '../../../src/main/explain/snapshot.js';
import type { RuleExplanation } from '../../../src/main/explain/types.js';
import { sliceReason } from '../../../src/shared/reasons.js';
import { toleratesFor, toleration } from '../../support/records.js';
import { DRIVER, inputOf, KEY, nodeSlice, rule, S, snapshotOf, T0, workload, xid } from './world.js';

const consistent = (e: RuleExplanation): RuleExplanation => {
  expect(e.notes.filter((n) => n.startsWith('internal'))).toEqual([]);
  return e;
};

const forever = toleration({ key: KEY, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: null });

/** node-1 (selected by the rule) with four workloads in two namespaces, node-2 with one (not selected). */
function cluster(effect: string) {
  const workloads = [
    workload('team-a', 'a-now', 'node-1', 'gpu-0'),
    workload('team-a', 'a-later', 'node-1', 'gpu-1', [toleratesFor(KEY, 120)]),
    workload('team-b', 'b-now', 'node-1', 'gpu-2'),
    workload('team-b', 'b-forever', 'node-1', 'gpu-3', [forever]),
    workload('team-a', 'elsewhere', 'node-2', 'gpu-0'),
  ];
  const drain = rule('drain-node-1', {
    selector: { driver: DRIVER, pool: 'node-1' },
    taint: xid({ effect, timeAdded: T0 - 10 * S }),
  });
  const slices = [nodeSlice('node-1', ['gpu-0', 'gpu-1', 'gpu-2', 'gpu-3']), nodeSlice('node-2', ['gpu-0'])];
  return snapshotOf({ workloads, slices, rules: [drain] });
}

describe('explain rule', () => {
  test('NoExecute: selected devices, pods to evict by namespace with times, pods protected by tolerations', () => {
    const e = consistent(explainRule(inputOf(cluster('NoExecute')), 'drain-node-1'));
    expect(e.rule).toMatchObject({
      name: 'drain-node-1',
      text: `${KEY}=79:NoExecute`,
      selectorText: `driver=${DRIVER}, pool=node-1`,
      selectsEverything: false,
      maxEvictionsPerMinute: null,
    });
    expect(e.preview).toEqual({ effect: 'NoExecute', simulated: false, method: null, dryRun: null });
    expect(e.devices.published.map((d) => d.device)).toEqual(['gpu-0', 'gpu-1', 'gpu-2', 'gpu-3']);
    expect(e.devices.allocated.map((d) => `${d.namespace}/${d.claim}`)).toEqual([
      'team-a/a-later-gpu',
      'team-a/a-now-gpu',
      'team-b/b-forever-gpu',
      'team-b/b-now-gpu',
    ]);
    expect(e.evictions.pods).toBe(3);
    expect(e.evictions.namespaces).toBe(2);
    expect(
      e.evictions.byNamespace.map((g) => [g.namespace, g.pods.map((p) => [p.name, p.evictAt, p.inSeconds])]),
    ).toEqual([
      [
        'team-a',
        [
          ['a-now', '2025-01-01T09:59:50Z', -10],
          ['a-later', '2025-01-01T10:01:50Z', 110],
        ],
      ],
      ['team-b', [['b-now', '2025-01-01T09:59:50Z', -10]]],
    ]);
    expect(e.protected.pods).toBe(1);
    expect(e.protected.byNamespace).toEqual([
      {
        namespace: 'team-b',
        pods: [
          {
            name: 'b-forever',
            uid: 'uid-team-b-b-forever',
            claim: 'b-forever-gpu',
            device: `${DRIVER}/node-1/gpu-3`,
            toleration: `${KEY}:NoExecute op=Exists`,
          },
        ],
      },
    ]);
    expect(e.summary).toBe(
      'evicts 3 pod(s) in 2 namespace(s) from 2025-01-01T09:59:50Z (due since 10 s) to 2025-01-01T10:01:50Z (in 1 min 50 s, over 2 min); 1 pod(s) protected by tolerations',
    );
  });

  test('a pod with an earlier slice taint: evicted at that time, this rule’s own time and the other reason listed', () => {
    const base = cluster('NoExecute');
    const slices = [
      nodeSlice('node-1', ['gpu-0', 'gpu-1', 'gpu-2', 'gpu-3'], {
        'gpu-1': [xid({ key: 'ecc', value: '', timeAdded: T0 - 3600 * S })],
      }),
      base.slices[1]!,
    ];
    const e = consistent(explainRule(inputOf({ ...base, slices }), 'drain-node-1'));
    const later = e.evictions.byNamespace[0]!.pods.find((p) => p.name === 'a-later')!;
    expect(later).toMatchObject({
      evictAt: '2025-01-01T09:00:00Z',
      ruleDueAt: '2025-01-01T10:01:50Z',
      otherReasons: [sliceReason(DRIVER, 'node-1', 'node-1-gpu', 'gpu-1', 0)],
    });
  });

  test('None: evicts nothing, and reports the controller’s dry run', () => {
    const e = consistent(explainRule(inputOf(cluster('None')), 'drain-node-1'));
    expect(e.preview).toEqual({ effect: 'None', simulated: false, method: null, dryRun: { pods: 3, namespaces: 2 } });
    expect(e.evictions).toEqual({ pods: 0, namespaces: 0, byNamespace: [] });
    expect(e.protected.pods).toBe(1);
    expect(e.summary).toBe(
      'effect None: evicts nothing. With NoExecute it would evict 3 pod(s) in 2 namespace(s) (dry run); preview them with --effect NoExecute.',
    );
  });

  test('None previewed as NoExecute: a copy of the rule with timeAdded now, in agreement with the dry run', () => {
    const snapshot = cluster('None');
    const now = T0 + 30 * S;
    const e = consistent(explainRule(inputOf(snapshot, now), 'drain-node-1', { effect: 'NoExecute' }));
    expect(e.rule.taint.effect).toBe('None');
    expect(e.preview.simulated).toBe(true);
    expect(e.preview.effect).toBe('NoExecute');
    expect(e.preview.method).toContain('copy of the rule with effect NoExecute and timeAdded 2025-01-01T10:00:30Z');
    expect(e.preview.dryRun).toEqual({ pods: 3, namespaces: 2 });
    expect(e.evictions.pods).toBe(3);
    // The flip resets timeAdded to now (the API server does): immediate evictions are due now, the
    // tolerating pod 120 s later.
    expect(e.evictions.byNamespace.flatMap((g) => g.pods.map((p) => [p.name, p.evictAt]))).toEqual([
      ['a-now', '2025-01-01T10:00:30Z'],
      ['a-later', '2025-01-01T10:02:30Z'],
      ['b-now', '2025-01-01T10:00:30Z'],
    ]);
    expect(e.summary).toMatch(/^as NoExecute \(effect now None\), it would evict 3 pod\(s\) in 2 namespace\(s\)/);
    // The input is not changed: the real engine still evicts nobody.
    const { engine } = feedEngine(snapshot, now, { workloadClaims: false });
    expect([...engine.pendingEvictions()]).toEqual([]);
  });

  test('--effect NoExecute on a NoExecute rule is the rule itself', () => {
    const e = consistent(explainRule(inputOf(cluster('NoExecute')), 'drain-node-1', { effect: 'NoExecute' }));
    expect(e.preview.simulated).toBe(false);
    expect(e.evictions.pods).toBe(3);
  });

  test('the empty selector is flagged', () => {
    const snapshot = snapshotOf({ rules: [rule('everything', { selector: {} })] });
    const e = consistent(explainRule(inputOf(snapshot), 'everything'));
    expect(e.rule.selectsEverything).toBe(true);
    expect(e.notes[0]).toMatch(/selects EVERY device/);
  });

  test('an unknown rule, or no DeviceTaintRules served, is ExplainNotFoundError', () => {
    expect(() => explainRule(inputOf(cluster('None')), 'nope')).toThrow(ExplainNotFoundError);
    expect(() => explainRule(inputOf({ ...cluster('None'), rulesServed: false }), 'drain-node-1')).toThrow(
      /serves no DeviceTaintRules/,
    );
  });
});
