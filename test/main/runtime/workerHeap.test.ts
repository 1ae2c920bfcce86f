// The worker heap caps: their size from the measured per-entry cost, and when a process-wide V8 flag
// has to be overridden for a worker's resourceLimits to count (workerHeap.ts).

import { describe, expect, it } from 'vitest';
import {
  DEFAULT_WORKER_HEAP_LIMITS,
  heapFlagOverrides,
  resourceLimitsOf,
  workerOldSpaceMbFor,
} from '../../../src/main/runtime/workerHeap.js';

describe('worker heap caps', () => {
  it('grow with the entries a partition holds; the default holds a million through a replay', () => {
    expect(workerOldSpaceMbFor(0)).toBeLessThan(workerOldSpaceMbFor(150_000));
    expect(workerOldSpaceMbFor(150_000)).toBeLessThan(workerOldSpaceMbFor(1_000_000));
    expect(DEFAULT_WORKER_HEAP_LIMITS.maxOldGenerationMb).toBe(workerOldSpaceMbFor(1_000_000));
  });

  it('leave the young generation to V8 when 0', () => {
    expect(resourceLimitsOf({ maxOldGenerationMb: 256, maxYoungGenerationMb: 0 })).toEqual({
      maxOldGenerationSizeMb: 256,
    });
    expect(resourceLimitsOf({ maxOldGenerationMb: 256, maxYoungGenerationMb: 12 })).toEqual({
      maxOldGenerationSizeMb: 256,
      maxYoungGenerationSizeMb: 12,
    });
  });

  it('override a process-wide flag only when the process has it', () => {
    const limits = { maxOldGenerationMb: 4096, maxYoungGenerationMb: 0 };
    expect(heapFlagOverrides(limits, '--enable-source-maps')).toEqual([]);
    expect(heapFlagOverrides(limits, '--max-old-space-size=512')).toEqual(['--max-old-space-size=4096']);
    expect(heapFlagOverrides(limits, '--max_old_space_size 512')).toEqual(['--max-old-space-size=4096']);
    expect(
      heapFlagOverrides({ maxOldGenerationMb: 4096, maxYoungGenerationMb: 48 }, '--max-semi-space-size=4'),
    ).toEqual(['--max-semi-space-size=16']);
  });
});
