// The three outputs of an explanation: JSON and YAML carry the whole documented structure (they parse
// back to it), the human report has its sections and aligned tables.

import { describe, expect, test } from 'vitest';
import YAML from 'yaml';
import { explainPod } from '../../../src/main/explain/podExplanation.js';
import { HUMAN_ROWS, render, table } from '../../../src/main/explain/render.js';
import { explainRule } from '../../../src/main/explain/ruleExplanation.js';
import { toleratesFor } from '../../support/records.js';
import { DRIVER, inputOf, KEY, nodeSlice, rule, snapshotOf, workload, xid } from './world.js';

const workloads = [
  workload('team-a', 'trainer', 'node-1', 'gpu-0', [toleratesFor(KEY, 30)]),
  workload('team-b', 'other', 'node-1', 'gpu-1'),
];
const snapshot = snapshotOf({
  workloads,
  slices: [nodeSlice('node-1', ['gpu-0', 'gpu-1'], { 'gpu-0': [xid()] })],
  rules: [rule('drain-node-1', { selector: { driver: DRIVER, pool: 'node-1' }, taint: xid({ effect: 'None' }) })],
});
const pod = explainPod(inputOf(snapshot), 'team-a', 'trainer');
const preview = explainRule(inputOf(snapshot), 'drain-node-1', { effect: 'NoExecute' });

describe('render', () => {
  test('json and yaml parse back to the explanation', () => {
    for (const e of [pod, preview]) {
      expect(JSON.parse(render(e, 'json'))).toEqual(e);
      expect(YAML.parse(render(e, 'yaml'))).toEqual(e);
    }
    expect(JSON.parse(render(pod, 'json'))).toMatchObject({
      apiVersion: 'explain.device-taint-evictor.io/v1alpha1',
      kind: 'PodExplanation',
      verdict: { kind: 'evict', at: '2025-01-01T10:00:30Z', inSeconds: 30 },
    });
  });

  test('the human pod report: verdict first, then claims, devices and taints, reasons, brakes', () => {
    const text = render(pod, 'human');
    const lines = text.split('\n');
    expect(lines[0]).toBe('Pod team-a/trainer  uid uid-team-a-trainer  node node-1');
    expect(lines[3]).toMatch(/^VERDICT {2}evicted at 2025-01-01T10:00:30Z \(in 30 s\) because of slice node-1-gpu/);
    const titles = lines.filter((l) => /^[A-Z][A-Z ()]+/.test(l) && !l.startsWith('Pod') && !l.startsWith('Server'));
    expect(titles.map((t) => t.split(' (')[0])).toEqual([
      'VERDICT  evicted at 2025-01-01T10:00:30Z',
      'CLAIMS',
      'DEVICES AND TAINTS',
      'REASONS',
      'WHAT THE BRAKES WOULD DO',
    ]);
    // Aligned: every row of the devices table starts its TAINT column at the header's offset.
    const header = lines.findIndex((l) => l.startsWith('  CLAIM  ') && l.includes('TAINT'));
    const column = lines[header]!.indexOf('TAINT');
    // Rule taints first (the controller's reason order), then the slice's.
    expect(lines[header + 1]!.slice(column)).toMatch(new RegExp(`^${KEY}=79:None +rule drain-node-1 `));
    expect(lines[header + 2]!.slice(column)).toMatch(new RegExp(`^${KEY}=79:NoExecute +slice node-1-gpu #0 `));
    expect(text).toContain(`${KEY}:NoExecute op=Exists for 30s`);
    expect(text).toContain('evicts at 2025-01-01T10:00:30Z (in 30 s): tolerated for 30s');
  });

  test('the human rule preview names the method and lists pods by namespace', () => {
    const text = render(preview, 'human');
    expect(text).toContain('PREVIEW as NoExecute: the engine fed a copy of the rule with effect NoExecute');
    expect(text).toContain('2 pod(s) in 2 namespace(s) would be evicted with NoExecute');
    expect(text).toMatch(/WOULD EVICT \(2 pod\(s\) in 2 namespace\(s\)\)\n {2}NAMESPACE +POD/);
    expect(text).toMatch(/\n {2}team-a +trainer +2025-01-01T10:00:30Z \(in 30 s\) +same +in 30 s +slice node-1-gpu/);
  });

  test('human tables stop at HUMAN_ROWS rows and say how many more there are', () => {
    const rows = Array.from({ length: HUMAN_ROWS + 3 }, (_, i) => [`r${i}`, 'x']);
    const out = table(['A', 'B'], rows);
    expect(out).toHaveLength(HUMAN_ROWS + 2);
    expect(out.at(-1)).toBe('  … 3 more (-o json or -o yaml lists all)');
  });
});
