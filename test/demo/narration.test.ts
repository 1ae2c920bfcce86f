// What the demo prints as things happen: an expected eviction with its lateness and the pod's
// condition, a WRONGFUL eviction counted against the running act, cancellations (not the eviction's
// own "Marking for deletion"), and each new status of the rule.

import { describe, expect, it } from 'vitest';
import { EvictionLedger } from '../../src/demo/ledger.js';
import { narrate } from '../../src/demo/narration.js';
import { ClusterObserver } from '../../src/demo/observer.js';
import { demoPlan, podsOn } from '../../src/demo/plan.js';
import type { Tone } from '../../src/demo/printer.js';
import type { ActState, DemoStage } from '../../src/demo/stage.js';
import { SimStore } from '../../src/sim/index.js';

function stage() {
  const pods = demoPlan({ tolerationSeconds: 5 }).map((p, i) => ({ ...p, uid: `uid-${i}` }));
  const ledger = new EvictionLedger(pods);
  const lines: [string, Tone | undefined][] = [];
  const current: ActState = { title: 'act', evictions: [], wrongful: 0, apiBefore: {} as ActState['apiBefore'] };
  const s = {
    pods,
    ledger,
    current,
    observer: new ClusterObserver(new SimStore()),
    print: { line: (text: string, tone?: Tone) => lines.push([text, tone]), block: () => {} },
  } as Partial<DemoStage> as DemoStage;
  return { s, pods, ledger, lines, current };
}

const condition = { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByDeviceTaintManager', message: 'm' };

describe('narrate', () => {
  it('prints an expected eviction with its lateness and the pod’s condition, and records it for the act', () => {
    const { s, pods, ledger, lines, current } = stage();
    const victim = podsOn(pods, 1, 3)[0]!;
    ledger.markDue([victim], 1_000, 1_000);
    narrate(s, {
      kind: 'podDeleted',
      deletion: {
        namespace: victim.namespace,
        name: victim.name,
        uid: victim.uid,
        at: 1_030,
        disruptionTarget: condition,
      },
    });
    expect(lines[0]).toEqual([expect.stringMatching(/^evicted .* 30 ms after it was due$/), 'good']);
    expect(lines[1]).toEqual([`  condition DisruptionTarget=True reason DeletionByDeviceTaintManager: "m"`, 'plain']);
    expect(lines).toHaveLength(2);
    expect(current.evictions).toEqual([{ pod: `${victim.namespace}/${victim.name}`, latencyMs: 30 }]);
  });

  it('calls an eviction of an untainted pod WRONGFUL and counts it against the act', () => {
    const { s, pods, lines, current } = stage();
    const bystander = pods[0]!;
    narrate(s, {
      kind: 'podDeleted',
      deletion: {
        namespace: bystander.namespace,
        name: bystander.name,
        uid: bystander.uid,
        at: 5,
        disruptionTarget: null,
      },
    });
    expect(lines).toEqual([[expect.stringContaining('WRONGFUL eviction of'), 'bad']]);
    expect(current.wrongful).toBe(1);
  });

  it('prints cancellations and rule statuses, but not the eviction’s own event', () => {
    const { s, pods, lines } = stage();
    const pod = pods[0]!;
    narrate(s, { kind: 'podEvent', event: { uid: pod.uid, reason: 'R', message: 'Marking for deletion', at: 0 } });
    narrate(s, { kind: 'podEvent', event: { uid: pod.uid, reason: 'R', message: 'Cancelling deletion', at: 0 } });
    narrate(s, {
      kind: 'ruleCondition',
      condition: { rule: 'drain', status: 'False', reason: 'Completed', message: '', at: 0 },
    });
    expect(lines).toEqual([
      [`event on ${pod.namespace}/${pod.name}: R "Cancelling deletion"`, 'dim'],
      ['rule drain: EvictionInProgress=False Completed', 'good'],
    ]);
  });
});
