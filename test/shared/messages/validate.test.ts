// Receive-side validation in both directions: well-formed messages pass (also after a structured clone),
// malformed ones are rejected with the reason, never thrown.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cancelOp, encodeOps, scheduleOp } from '../../../src/shared/messages/ops.js';
import { validateMainToWorker, validateWorkerToMain } from '../../../src/shared/messages/validate.js';

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
      { t: 'ruleRates', rates: [{ ruleUid: 'r1', rate: { qps: 0.5, burst: 1, buffer: new SharedArrayBuffer(8) } }] },
      { t: 'ruleRates', rates: [] },
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
    ['rule rates not a list', { t: 'ruleRates', rates: {} }, 'rates must be an array'],
    [
      'rule rate without a rule',
      { t: 'ruleRates', rates: [{ ruleUid: '', rate: { qps: 1, burst: 1, buffer: new SharedArrayBuffer(8) } }] },
      'ruleUid',
    ],
    [
      'rule rate on an unshared buffer',
      { t: 'ruleRates', rates: [{ ruleUid: 'r', rate: { qps: 1, burst: 1, buffer: new ArrayBuffer(8) } }] },
      'SharedArrayBuffer',
    ],
    [
      'negative rule rate',
      { t: 'ruleRates', rates: [{ ruleUid: 'r', rate: { qps: -1, burst: 1, buffer: new SharedArrayBuffer(8) } }] },
      'qps',
    ],
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

describe('worker → main validation', () => {
  it('accepts results, ready, fatal and stopped', () => {
    for (const message of [
      { t: 'results', results: [result] },
      { t: 'ready', shard: 0 },
      { t: 'fatal', message: 'boom' },
      { t: 'stopped', drained: true },
      { t: 'credentialsRequest', generation: 4 },
      { t: 'brake', event: { kind: 'held', why: 'breaker', opened: true } },
      { t: 'brake', event: { kind: 'throttled', limit: 'rule' } },
      { t: 'brake', event: { kind: 'released', why: 'fence' } },
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
    ['brake of an unknown kind', { t: 'brake', event: { kind: 'stuck' } }, 'brake event'],
    ['held without a cause', { t: 'brake', event: { kind: 'held', opened: false } }, 'brake event'],
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
