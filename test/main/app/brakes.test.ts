// What the breaker says it holds (its record, log line and events): the due evictions the queues keep,
// never the ones already running when it opened.

import { describe, expect, test } from 'vitest';
import type { ApiClient } from '../../../src/kube/apiClient.js';
import { Brakes, createBrakeSpecs } from '../../../src/main/app/brakes.js';
import { defaultControllerOptions } from '../../../src/main/app/options.js';
import type { EvictionEngine } from '../../../src/main/engine/engine.js';
import { FakeClock } from '../../../src/shared/clock.js';
import type { PendingEviction } from '../../../src/shared/decisions.js';
import { RecordingLogger } from '../../../src/shared/logger.js';
import type { PodRef } from '../../../src/shared/types.js';
import type { PartitionEntrySnapshot, SnapshotFilter } from '../../../src/workers/partition.js';
import { matchesSnapshotFilter } from '../../../src/workers/partition.js';

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
