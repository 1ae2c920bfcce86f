// The main thread's side of the brakes: the rules' start rates follow their annotation (one shared
// bucket per rule, kept across unrelated updates), worker reports become one log line per episode,
// and the held evictions are described by rule, device and taint.

import { describe, expect, it, test } from 'vitest';
import type { ApiClient } from '../../../src/kube/apiClient.js';
import { BrakeEpisodes, Brakes, createBrakeSpecs, RuleStartRates } from '../../../src/main/app/brakes.js';
import { describeCause, heldEvictions } from '../../../src/main/app/heldEvictions.js';
import { defaultControllerOptions } from '../../../src/main/app/options.js';
import type { EvictionEngine, ReasonDescription } from '../../../src/main/engine/engine.js';
import { FakeClock } from '../../../src/shared/clock.js';
import type { PendingEviction } from '../../../src/shared/decisions.js';
import { type Logger, RecordingLogger } from '../../../src/shared/logger.js';
import type { RuleRate } from '../../../src/shared/messages/types.js';
import { ruleReason, sliceReason } from '../../../src/shared/reasons.js';
import type { PodRef } from '../../../src/shared/types.js';
import {
  matchesSnapshotFilter,
  type PartitionEntrySnapshot,
  type SnapshotFilter,
} from '../../../src/workers/partition.js';
import { ruleRecord } from '../../support/records.js';

interface Line {
  readonly level: string;
  readonly msg: string;
  readonly fields: Record<string, unknown> | undefined;
}

function recordingLogger(): { log: Logger; lines: Line[] } {
  const lines: Line[] = [];
  const at =
    (level: string) =>
    (msg: string, fields?: Record<string, unknown>): void => {
      lines.push({ level, msg, fields });
    };
  const log = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } as unknown as Logger;
  return { log, lines };
}

describe('createBrakeSpecs', () => {
  const settings = {
    maxEvictionsPerSecond: 0,
    maxEvictionsBurst: 1,
    breakerMaxEvictions: null,
    breakerMaxPercent: null,
    breakerWindowMs: 600_000,
    breakerAutoResetAfterMs: null,
    breakerNamespace: 'ns',
    breakerName: 'b',
  };

  it('creates nothing when nothing is configured (upstream)', () => {
    expect(createBrakeSpecs(settings)).toEqual({ startRate: null, breaker: null });
  });

  it('creates the shared state of what is configured', () => {
    const specs = createBrakeSpecs({
      ...settings,
      maxEvictionsPerSecond: 2,
      maxEvictionsBurst: 5,
      breakerMaxPercent: 10,
    });
    expect(specs.startRate).toMatchObject({ qps: 2, burst: 5 });
    expect(specs.startRate?.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(specs.breaker?.buffer).toBeInstanceOf(SharedArrayBuffer);
  });
});

describe('RuleStartRates', () => {
  const limited = (perMinute: number, invalid: string | null = null) =>
    ruleRecord({ name: 'r', uid: 'u1', startLimit: { perMinute, invalid } });

  it('publishes a rate per annotated rule, keeps its bucket across unrelated updates, drops it with the rule', () => {
    const published: (readonly RuleRate[])[] = [];
    const { log } = recordingLogger();
    const rates = new RuleStartRates((r) => published.push(r), log);
    rates.added(ruleRecord({ name: 'plain', uid: 'u0' }));
    expect(published).toEqual([]);
    const rule = limited(6);
    rates.added(rule);
    expect(published).toHaveLength(1);
    expect(published[0]).toEqual([{ ruleUid: 'u1', rate: expect.objectContaining({ qps: 0.1, burst: 1 }) }]);
    const bucket = published[0]![0]!.rate.buffer;
    // A status write by the controller changes the rule, not its rate: same bucket, nothing sent.
    rates.updated(rule, { ...rule, resourceVersion: '99' });
    expect(published).toHaveLength(1);
    rates.updated(rule, limited(12));
    expect(published).toHaveLength(2);
    expect(published[1]![0]!.rate.buffer).not.toBe(bucket);
    rates.updated(limited(12), { ...rule, startLimit: null });
    expect(published[2]).toEqual([]);
    rates.added(limited(3));
    rates.deleted(limited(3));
    expect(published.at(-1)).toEqual([]);
  });

  it('warns about an unreadable annotation and uses the cautious rate', () => {
    const published: (readonly RuleRate[])[] = [];
    const { log, lines } = recordingLogger();
    new RuleStartRates((r) => published.push(r), log).added(limited(1, 'ten'));
    expect(published[0]![0]!.rate.qps).toBeCloseTo(1 / 60);
    expect(lines.find((l) => l.level === 'warn')?.fields).toMatchObject({ rule: 'r', annotation: 'ten' });
  });
});

describe('BrakeEpisodes', () => {
  it('logs a throttling episode once when it starts and once when it ends, whatever the workers report', () => {
    const { log, lines } = recordingLogger();
    const episodes = new BrakeEpisodes(log, () => {});
    episodes.onBrake({ kind: 'throttled', limit: 'global' }, 0);
    episodes.onBrake({ kind: 'throttled', limit: 'global' }, 1);
    episodes.onBrake({ kind: 'throttled', limit: 'global' }, 0);
    episodes.onBrake({ kind: 'unthrottled', limit: 'global' }, 0);
    expect(lines.map((l) => l.msg)).toEqual(['Evictions throttled: due evictions wait for their start rate']);
    episodes.onBrake({ kind: 'unthrottled', limit: 'global' }, 1);
    episodes.onBrake({ kind: 'throttled', limit: 'rule' }, 1);
    expect(lines.map((l) => [l.msg, l.fields?.limit])).toEqual([
      ['Evictions throttled: due evictions wait for their start rate', 'global'],
      ['Evictions no longer throttled', 'global'],
      ['Evictions throttled: due evictions wait for their start rate', 'rule'],
    ]);
  });

  it('hands a breaker opening to the keeper at once, and logs a lost lease once per episode', () => {
    const { log, lines } = recordingLogger();
    let opened = 0;
    const episodes = new BrakeEpisodes(log, () => opened++);
    episodes.onBrake({ kind: 'held', why: 'breaker', opened: false }, 0);
    episodes.onBrake({ kind: 'held', why: 'breaker', opened: true }, 1);
    expect(opened).toBe(1);
    episodes.onBrake({ kind: 'held', why: 'fence', opened: false }, 0);
    episodes.onBrake({ kind: 'held', why: 'fence', opened: false }, 1);
    episodes.onBrake({ kind: 'released', why: 'fence' }, 0);
    episodes.onBrake({ kind: 'released', why: 'fence' }, 1);
    expect(lines.map((l) => l.msg)).toEqual([
      'Evictions held: this process has no valid leader lease right now',
      'Evictions no longer held: the leader lease is valid again',
    ]);
  });
});

describe('heldEvictions', () => {
  const pod = (name: string) => ({ namespace: 'ns', name, uid: `uid-${name}` });
  const runaway = ruleReason('runaway', 'ru');
  const xid = sliceReason('gpu.example.com', 'node-7', 'node-7-slice', 'gpu-3', 0);
  const describe_ = (reason: string): ReasonDescription | null =>
    reason === runaway
      ? { rule: 'runaway', devices: 'all devices', taint: 'example.com/drain:NoExecute' }
      : reason === xid
        ? { rule: null, devices: 'gpu.example.com/node-7/gpu-3', taint: 'xid=79:NoExecute' }
        : null;

  it('counts only what is due, groups by cause, most first, and names the rules', () => {
    const pending: PendingEviction[] = [
      ...[0, 1, 2].map((i) => ({ pod: pod(`r${i}`), fireAt: 100, reasons: [runaway] })),
      { pod: pod('both'), fireAt: 50, reasons: [runaway, xid] },
      { pod: pod('later'), fireAt: 500, reasons: [xid] },
    ];
    const held = heldEvictions(pending, 100, describe_);
    expect(held.pods).toBe(4);
    expect(held.causes).toEqual([
      'rule runaway (all devices, taint example.com/drain:NoExecute): 4 pods',
      'device gpu.example.com/node-7/gpu-3 (taint xid=79:NoExecute): 1 pod',
    ]);
    expect(held.rules).toEqual(['runaway']);
    expect(held.podNames).toEqual(['ns/r0', 'ns/r1', 'ns/r2', 'ns/both']);
    expect(heldEvictions(pending, 100, describe_, 1, 2)).toMatchObject({ pods: 4, podNames: ['ns/r0', 'ns/r1'] });
  });

  it('falls back to the reason id for a cause no longer known', () => {
    expect(describeCause('rule:gone:uid', null, 2)).toBe('rule:gone:uid: 2 pods');
  });
});

// What the breaker says it holds (its record, log line and events): the due evictions the queues keep,
// never the ones already running when it opened.
const RULE = 'rule:drain-all:uid-r';
const pod = (name: string, uid = `uid-${name}`): PodRef => ({ namespace: 'team', name, uid });

function brakes(pending: PendingEviction[], queue: PartitionEntrySnapshot[], clock: FakeClock) {
  const engine = {
    pendingEvictions: () => pending,
    pendingEviction: (ref: PodRef) => pending.find((p) => p.pod.namespace === ref.namespace && p.pod.name === ref.name),
    describeReason: () => ({
      rule: 'drain-all',
      devices: 'all devices',
      taint: 'example.com/maintenance=drain:NoExecute',
    }),
    podsUsingClaims: pending.length,
  } as unknown as EvictionEngine;
  const filters: SnapshotFilter[] = [];
  const settings = { ...defaultControllerOptions(1), breakerMaxEvictions: 3 };
  const b = new Brakes({
    settings,
    specs: createBrakeSpecs(settings, clock.now()),
    engine,
    api: {} as ApiClient,
    mayWrite: () => true,
    clock,
    log: new RecordingLogger(),
    ruleApiVersion: 'resource.k8s.io/v1',
    reportingInstance: 'test',
    publishRuleRates: () => {},
    queued: async (filter) => {
      filters.push(filter);
      return queue.filter((e) => matchesSnapshotFilter(e, filter));
    },
  });
  return { brakes: b, filters };
}

describe('Brakes.held', () => {
  test('counts the due evictions the queues keep, not the running ones nor the ones not due yet', async () => {
    const clock = new FakeClock(1_000_000);
    const now = clock.now();
    const due = (name: string, fireAt = now - 1): PendingEviction => ({ pod: pod(name), fireAt, reasons: [RULE] });
    // The engine has every pending eviction, including the three that started before the opening.
    const pending = ['a', 'b', 'c', 'd', 'e'].map((n) => due(n));
    pending.push(due('later', now + 60_000));
    const entry = (name: string, state: 'scheduled' | 'running', fireAt = now - 1): PartitionEntrySnapshot => ({
      pod: pod(name),
      fireAt,
      state,
      attempts: state === 'running' ? 1 : 0,
    });
    const queue = [
      entry('a', 'running'),
      entry('b', 'running'),
      entry('c', 'running'),
      entry('d', 'scheduled'),
      entry('e', 'scheduled'),
      entry('later', 'scheduled', now + 60_000),
      // Replaced by a pod of the same name (new UID) on the engine's side: not the engine's eviction.
      entry('f', 'scheduled'),
    ];
    pending.push({ pod: pod('f', 'uid-f-new'), fireAt: now - 1, reasons: [RULE] });
    const { brakes: b, filters } = brakes(pending, queue, clock);
    const held = await b.held();
    expect(filters).toEqual([{ state: 'scheduled', dueBy: now }]);
    expect(held).toEqual({
      pods: 2,
      causes: ['rule drain-all (all devices, taint example.com/maintenance=drain:NoExecute): 2 pods'],
      rules: ['drain-all'],
      podNames: ['team/d', 'team/e'],
    });
  });
});
