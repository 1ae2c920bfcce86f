import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cancelOp,
  decodeOps,
  encodeOps,
  OpBatchBuilder,
  type ShardOp,
  scheduleOp,
  validateMainToWorker,
  validateShardWorkerData,
  validateWorkerToMain,
} from '../../src/shared/messages.js';

const pod = { namespace: 'ns', name: 'p', uid: 'u1' };
const result = { pod, outcome: 'deleted', fireAt: 1, doneAt: 2, attempts: 1, reasons: ['rule:r:1'] };

describe('main → worker validation', () => {
  it('accepts well-formed messages, including after a structured clone', () => {
    const ops = { t: 'ops', ops: encodeOps([scheduleOp(pod, 10, ['rule:r:1']), cancelOp(pod, true)]) };
    for (const message of [
      ops,
      { t: 'replay', entries: [scheduleOp(pod, 10, [])] },
      { t: 'time', now: 5 },
      { t: 'shutdown', drainMs: 0 },
      {
        t: 'credentials',
        credentials: { generation: 3, headers: { authorization: 'Bearer abc', 'impersonate-user': 'x' } },
      },
    ]) {
      const validated = validateMainToWorker(structuredClone(message));
      expect(validated).toEqual({ ok: true, message });
    }
  });

  it.each([
    ['not an object', 42, 'message must be an object'],
    ['unknown type', { t: 'nope' }, 'unknown message type'],
    ['ops not a batch', { t: 'ops', ops: {} }, 'ops.length'],
    ['ops as op objects', { t: 'ops', ops: [scheduleOp(pod, 1, [])] }, 'op batch'],
    [
      'unknown op kind',
      { t: 'ops', ops: { ...encodeOps([cancelOp(pod, false)]), kinds: Uint8Array.of(3) } },
      'op 0: unknown op kind',
    ],
    ['empty uid', { t: 'ops', ops: encodeOps([scheduleOp({ ...pod, uid: '' }, 1, [])]) }, 'uid'],
    ['empty namespace', { t: 'ops', ops: encodeOps([cancelOp({ ...pod, namespace: '' }, true)]) }, 'namespace'],
    ['NaN fire time', { t: 'ops', ops: encodeOps([scheduleOp(pod, Number.NaN, [])]) }, 'fireAt'],
    ['infinite fire time', { t: 'ops', ops: encodeOps([scheduleOp(pod, Number.POSITIVE_INFINITY, [])]) }, 'fireAt'],
    ['non-string reason', { t: 'ops', ops: { ...encodeOps([scheduleOp(pod, 1, [])]), reasonTable: [[1]] } }, 'reasons'],
    [
      'reason index out of range',
      { t: 'ops', ops: { ...encodeOps([scheduleOp(pod, 1, [])]), reasonIndexes: Uint32Array.of(1) } },
      'reasons index',
    ],
    [
      'namespace index out of range',
      { t: 'ops', ops: { ...encodeOps([cancelOp(pod, true)]), namespaceIndexes: Uint32Array.of(7) } },
      'namespace index',
    ],
    [
      'column shorter than the batch',
      { t: 'ops', ops: { ...encodeOps([cancelOp(pod, true)]), fireAts: new Float64Array(0) } },
      'fireAts',
    ],
    ['column of the wrong type', { t: 'ops', ops: { ...encodeOps([cancelOp(pod, true)]), kinds: [1] } }, 'kinds'],
    ['names missing', { t: 'ops', ops: { ...encodeOps([cancelOp(pod, true)]), names: undefined } }, 'names'],
    ['cancel inside replay', { t: 'replay', entries: [cancelOp(pod, true)] }, 'replay entries'],
    ['negative drain', { t: 'shutdown', drainMs: -1 }, 'drainMs'],
    ['time without now', { t: 'time' }, 'now'],
    ['credentials without headers', { t: 'credentials', credentials: { generation: 1 } }, 'credentials.headers'],
    ['negative generation', { t: 'credentials', credentials: { generation: -1, headers: {} } }, 'generation'],
    [
      'header value that splits a request',
      { t: 'credentials', credentials: { generation: 1, headers: { authorization: 'Bearer a\r\nx-evil: 1' } } },
      'credentials.headers.authorization',
    ],
    [
      'upper-case header name',
      { t: 'credentials', credentials: { generation: 1, headers: { Authorization: 'Bearer a' } } },
      'invalid header name',
    ],
    [
      'non-string header value',
      { t: 'credentials', credentials: { generation: 1, headers: { authorization: 7 } } },
      'credentials.headers.authorization',
    ],
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
        expect(validateMainToWorker({ t: 'ops', ops }).ok).toBe(false);
      }),
    );
    const good = encodeOps([scheduleOp(pod, 1, ['a']), cancelOp(pod, false)]);
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.keys(good)),
        fc.anything({ withTypedArray: true }),
        (column, replacement) => {
          expect(typeof validateMainToWorker({ t: 'ops', ops: { ...good, [column]: replacement } }).ok).toBe('boolean');
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('op batch encoding', () => {
  const op = fc.oneof(
    fc.record({
      k: fc.constant('schedule' as const),
      namespace: fc.constantFrom('a', 'b', 'kube-system'),
      name: fc.string({ minLength: 1, maxLength: 8 }),
      uid: fc.string({ minLength: 1, maxLength: 8 }),
      fireAt: fc.double({ noNaN: true, noDefaultInfinity: true }),
      reasons: fc.constantFrom<readonly string[]>([], ['rule:r:1'], ['rule:r:1', 'taint:d:k']),
    }),
    fc.record({
      k: fc.constant('cancel' as const),
      namespace: fc.constantFrom('a', 'b', 'kube-system'),
      name: fc.string({ minLength: 1, maxLength: 8 }),
      uid: fc.string({ minLength: 1, maxLength: 8 }),
      emitEvent: fc.boolean(),
    }),
  );

  it('round-trips any op sequence in order through a structured clone, and validates it', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops: ShardOp[]) => {
        const validated = validateMainToWorker(structuredClone({ t: 'ops', ops: encodeOps(ops) }));
        expect(validated.ok).toBe(true);
        if (validated.ok && validated.message.t === 'ops') expect(decodeOps(validated.message.ops)).toEqual(ops);
      }),
      { numRuns: 200 },
    );
  });

  it('sends each namespace and each shared reason list once per batch', () => {
    const shared = ['rule:r:1'];
    const builder = new OpBatchBuilder();
    for (let i = 0; i < 1_000; i++)
      builder.schedule({ namespace: `ns-${i % 3}`, name: `p${i}`, uid: `u${i}` }, i, shared);
    builder.cancel({ namespace: 'ns-0', name: 'p0', uid: 'u0' }, true);
    const batch = builder.take();
    expect(batch.length).toBe(1_001);
    expect(batch.namespaceTable).toEqual(['ns-0', 'ns-1', 'ns-2']);
    expect(batch.reasonTable).toEqual([shared]);
    expect(batch.fireAts[999]).toBe(999);
    expect(builder.length).toBe(0);
    // The builder's reused columns must not leak into a batch already handed out.
    builder.cancel({ namespace: 'x', name: 'y', uid: 'z' }, false);
    expect(batch.kinds[0]).toBe(0);
    expect(decodeOps(builder.take())).toEqual([cancelOp({ namespace: 'x', name: 'y', uid: 'z' }, false)]);
  });
});

describe('worker → main validation', () => {
  it('accepts results, ready, fatal and stopped', () => {
    for (const message of [
      { t: 'results', results: [result] },
      { t: 'ready', shard: 0 },
      { t: 'fatal', message: 'boom' },
      { t: 'stopped', drained: true },
      { t: 'credentialsRequest', generation: 4 },
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
    ['credentials request without a generation', { t: 'credentialsRequest' }, 'generation'],
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
    fence: null,
    slots: null,
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
