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
  const current: ActState = {
    title: 'act',
    evictions: [],
    wrongful: 0,
    apiBefore: {} as ActState['apiBefore'],
    lateBecause: new Map(),
  };
  const s = {
    pods,
    ledger,
    current,
    breakerRecordRef: { namespace: 'kube-system', name: 'device-taint-evictor-breaker' },
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

  it('says why an eviction was late on purpose (held by the breaker until its reset)', () => {
    const { s, pods, ledger, lines, current } = stage();
    const victim = podsOn(pods, 0, 3)[0]!;
    ledger.markDue([victim], 1_000, 1_000);
    current.lateBecause?.set(victim.uid, 'held by the breaker until the reset');
    narrate(s, {
      kind: 'podDeleted',
      deletion: { namespace: victim.namespace, name: victim.name, uid: victim.uid, at: 4_000, disruptionTarget: null },
    });
    expect(lines[0]).toEqual([
      expect.stringMatching(/^evicted .* 3000 ms after it was due: held by the breaker until the reset$/),
      'good',
    ]);
  });

  it('prints the breaker record as it changes and its Warning events, quoting a repeated message once', () => {
    const { s, lines } = stage();
    const record = (state: 'open' | 'closed', heldPods: number, resetBy = '') => ({
      kind: 'breakerRecord' as const,
      seen: {
        at: 0,
        record: {
          state,
          openedAt: 0,
          reason: '',
          heldPods,
          causes: [],
          heldPodNames: [],
          resetAt: null,
          resetBy,
        },
      },
    });
    narrate(s, record('open', 8));
    narrate(s, record('closed', 1, 'ops (breaker reset)'));
    const event = (kind: string, object: string) => ({
      kind,
      object,
      type: 'Warning',
      reason: 'EvictionBreakerOpen',
      message: 'Eviction breaker open: …',
      at: 0,
    });
    const events = [event('ConfigMap', 'kube-system/breaker'), event('DeviceTaintRule', 'drain-all')];
    Object.defineProperty(s.observer, 'otherEvents', { get: () => events });
    narrate(s, { kind: 'objectEvent', event: events[0]! });
    narrate(s, { kind: 'objectEvent', event: events[1]! });
    expect(lines).toEqual([
      ['ConfigMap kube-system/device-taint-evictor-breaker: state open, 8 evictions held', 'warn'],
      ['ConfigMap kube-system/device-taint-evictor-breaker: state closed by ops (breaker reset)', 'good'],
      ['event on ConfigMap kube-system/breaker: Warning EvictionBreakerOpen "Eviction breaker open: …"', 'warn'],
      ['event on DeviceTaintRule drain-all: Warning EvictionBreakerOpen (the same message)', 'warn'],
    ]);
  });
});
