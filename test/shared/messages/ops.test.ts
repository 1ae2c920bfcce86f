// The columnar op batch: what goes in comes out, in order, through the builder and through a structured clone.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cancelOp, decodeOps, encodeOps, OpBatchBuilder, type ShardOp } from '../../../src/shared/messages/ops.js';
import { validateMainToWorker } from '../../../src/shared/messages/validate.js';

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
