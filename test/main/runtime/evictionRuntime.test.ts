// What both runtimes share: partition stats add up field by field, and result batches reach every
// listener, a throwing one reported without starving the rest, an unsubscribed one no more.

import { describe, expect, it } from 'vitest';
import { addPartitionStats, emptyPartitionStats, ResultListeners } from '../../../src/main/runtime/evictionRuntime.js';
import type { EvictionResult } from '../../../src/shared/decisions.js';

describe('evictionRuntime', () => {
  it('adds partition stats field by field', () => {
    const a = {
      scheduled: 1,
      running: 2,
      retrying: 3,
      completed: 4,
      failedAttempts: 5,
      throttled: 6,
      throttledGlobalTotal: 7,
      throttledRuleTotal: 8,
    };
    expect(addPartitionStats(emptyPartitionStats, a)).toEqual(a);
    expect(addPartitionStats(a, a)).toEqual({
      scheduled: 2,
      running: 4,
      retrying: 6,
      completed: 8,
      failedAttempts: 10,
      throttled: 12,
      throttledGlobalTotal: 14,
      throttledRuleTotal: 16,
    });
  });

  it('fans result batches out to every listener, isolating failures', () => {
    const errors: unknown[] = [];
    const listeners = new ResultListeners((err) => errors.push(err));
    const got: string[] = [];
    listeners.add(() => {
      throw new Error('bad listener');
    });
    const unsubscribe = listeners.add((results) => got.push(`second ${results.length}`));
    listeners.add((results) => got.push(`third ${results.length}`));
    const batch: EvictionResult[] = [
      {
        pod: { namespace: 'n', name: 'p', uid: 'u' },
        outcome: 'deleted',
        fireAt: 1,
        doneAt: 2,
        attempts: 1,
        reasons: [],
      },
    ];
    listeners.emit(batch);
    unsubscribe();
    listeners.emit([]);
    expect(got).toEqual(['second 1', 'third 1', 'third 0']);
    expect(errors.map((e) => (e as Error).message)).toEqual(['bad listener', 'bad listener']);
  });
});
