import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cancelOp,
  scheduleOp,
  validateMainToWorker,
  validateShardWorkerData,
  validateWorkerToMain,
} from '../../src/shared/messages.js';

const pod = { namespace: 'ns', name: 'p', uid: 'u1' };
const result = { pod, outcome: 'deleted', fireAt: 1, doneAt: 2, attempts: 1, reasons: ['rule:r:1'] };

describe('main → worker validation', () => {
  it('accepts well-formed messages, including after a structured clone', () => {
    const ops = { t: 'ops', ops: [scheduleOp(pod, 10, ['rule:r:1']), cancelOp(pod, true)] };
    for (const message of [
      ops,
      { t: 'replay', entries: [scheduleOp(pod, 10, [])] },
      { t: 'time', now: 5 },
      { t: 'shutdown', drainMs: 0 },
    ]) {
      const validated = validateMainToWorker(structuredClone(message));
      expect(validated).toEqual({ ok: true, message });
    }
  });

  it.each([
    ['not an object', 42, 'message must be an object'],
    ['unknown type', { t: 'nope' }, 'unknown message type'],
    ['ops not an array', { t: 'ops', ops: {} }, 'must be an array'],
    ['unknown op kind', { t: 'ops', ops: [{ ...cancelOp(pod, false), k: 'evict' }] }, 'op 0: unknown op kind'],
    ['empty uid', { t: 'ops', ops: [scheduleOp({ ...pod, uid: '' }, 1, [])] }, 'uid'],
    ['NaN fire time', { t: 'ops', ops: [scheduleOp(pod, Number.NaN, [])] }, 'fireAt'],
    ['non-string reason', { t: 'ops', ops: [{ ...scheduleOp(pod, 1, []), reasons: [1] }] }, 'reasons'],
    ['emitEvent missing', { t: 'ops', ops: [{ k: 'cancel', namespace: 'a', name: 'b', uid: 'c' }] }, 'emitEvent'],
    ['cancel inside replay', { t: 'replay', entries: [cancelOp(pod, true)] }, 'replay entries'],
    ['negative drain', { t: 'shutdown', drainMs: -1 }, 'drainMs'],
    ['time without now', { t: 'time' }, 'now'],
  ])('rejects %s', (_label, message, error) => {
    const validated = validateMainToWorker(message);
    expect(validated.ok).toBe(false);
    if (!validated.ok) expect(validated.error).toContain(error);
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        const validated = validateMainToWorker(value);
        expect(typeof validated.ok).toBe('boolean');
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.array(fc.anything(), { maxLength: 5 }), (ops) => {
        expect(validateMainToWorker({ t: 'ops', ops }).ok).toBe(ops.length === 0);
      }),
    );
  });
});

describe('worker → main validation', () => {
  it('accepts results, ready, fatal and stopped', () => {
    for (const message of [
      { t: 'results', results: [result] },
      { t: 'ready', shard: 0 },
      { t: 'fatal', message: 'boom' },
      { t: 'stopped', drained: true },
      { t: 'metrics', delta: { apiCalls: [{ verb: 'DELETE', resource: 'pods', code: 200, count: 3 }] } },
    ])
      expect(validateWorkerToMain(structuredClone(message))).toEqual({ ok: true, message });
  });

  it.each([
    ['unknown outcome', { t: 'results', results: [{ ...result, outcome: 'evicted' }] }, 'outcome'],
    ['zero attempts', { t: 'results', results: [{ ...result, attempts: 0 }] }, 'attempts'],
    ['pod without namespace', { t: 'results', results: [{ ...result, pod: { name: 'p', uid: 'u' } }] }, 'namespace'],
    ['negative shard', { t: 'ready', shard: -1 }, 'shard'],
    ['fatal without text', { t: 'fatal' }, 'fatal'],
    ['null', null, 'object'],
    ['metrics without a delta', { t: 'metrics', delta: { apiCalls: 'many' } }, 'delta'],
  ])('rejects %s', (_label, message, error) => {
    const validated = validateWorkerToMain(message);
    expect(validated.ok).toBe(false);
    if (!validated.ok) expect(validated.error).toContain(error);
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        expect(typeof validateWorkerToMain(value).ok).toBe('boolean');
      }),
      { numRuns: 500 },
    );
  });
});

describe('workerData validation', () => {
  const { port1 } = new MessageChannel();
  const good = {
    shard: 1,
    shardCount: 2,
    executor: { kind: 'fake' },
    budget: null,
    concurrency: 4,
    backoff: null,
    clock: { kind: 'real' },
    log: { level: 'warn', format: 'json' },
    controlPort: port1,
  };

  it('accepts a complete workerData', () => {
    expect(validateShardWorkerData(good).ok).toBe(true);
    port1.close();
  });

  it.each([
    ['shard out of range', { ...good, shard: 2 }, 'shard'],
    ['zero concurrency', { ...good, concurrency: 0 }, 'concurrency'],
    ['budget without buffer', { ...good, budget: { qps: 1, burst: 1, buffer: new ArrayBuffer(8) } }, 'budget'],
    ['virtual clock without start', { ...good, clock: { kind: 'virtual' } }, 'clock'],
    ['unknown log level', { ...good, log: { level: 'trace', format: 'json' } }, 'log'],
    ['no control port', { ...good, controlPort: {} }, 'controlPort'],
  ])('rejects %s', (_label, data, error) => {
    const validated = validateShardWorkerData(data);
    expect(validated.ok).toBe(false);
    if (!validated.ok) expect(validated.error).toContain(error);
  });
});
