// workerData validation inside the worker: a complete start message passes; each missing or wrong part is named.

import { describe, expect, it } from 'vitest';
import { validateShardWorkerData } from '../../../src/shared/messages/workerData.js';

describe('workerData validation', () => {
  const { port1 } = new MessageChannel();
  const good = {
    shard: 1,
    shardCount: 2,
    executor: { kind: 'fake' },
    budget: null,
    fence: null,
    slots: null,
    startRate: null,
    breaker: null,
    concurrency: 4,
    backoff: null,
    clock: { kind: 'real' },
    log: { level: 'warn', format: 'json' },
    credentials: null,
    controlPort: port1,
  };

  it('accepts a complete workerData', () => {
    expect(validateShardWorkerData(good).ok).toBe(true);
    expect(
      validateShardWorkerData({ ...good, credentials: { generation: 0, headers: { authorization: 'Bearer t' } } }).ok,
    ).toBe(true);
    port1.close();
  });

  it.each([
    ['shard out of range', { ...good, shard: 2 }, 'shard'],
    ['zero concurrency', { ...good, concurrency: 0 }, 'concurrency'],
    ['budget without buffer', { ...good, budget: { qps: 1, burst: 1, buffer: new ArrayBuffer(8) } }, 'budget'],
    [
      'start rate without shared buffer',
      { ...good, startRate: { qps: 1, burst: 1, buffer: new ArrayBuffer(8) } },
      'startRate',
    ],
    ['start rate missing', { ...good, startRate: undefined }, 'startRate'],
    ['breaker without shared buffer', { ...good, breaker: { buffer: new ArrayBuffer(8) } }, 'breaker'],
    ['fence without shared buffer', { ...good, fence: { buffer: new ArrayBuffer(8) } }, 'fence'],
    ['virtual clock without start', { ...good, clock: { kind: 'virtual' } }, 'clock'],
    ['unknown log level', { ...good, log: { level: 'trace', format: 'json' } }, 'log'],
    ['no control port', { ...good, controlPort: {} }, 'controlPort'],
    ['credentials missing', { ...good, credentials: undefined }, 'credentials'],
    ['credentials with a bad header', { ...good, credentials: { generation: 0, headers: { 'a b': 'c' } } }, 'header'],
  ])('rejects %s', (_label, data, error) => {
    const validated = validateShardWorkerData(data);
    expect(validated.ok).toBe(false);
    if (!validated.ok) expect(validated.error).toContain(error);
  });
});
