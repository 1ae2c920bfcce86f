// OwedDecisions: a burst's owed decisions come back once each, in the order first owed, across its chunks.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OwedDecisions } from '../../../src/main/engine/owedDecisions.js';
import type { PodRef } from '../../../src/shared/types.js';

const pod = (name: string, uid: string, namespace = 'ns'): PodRef => ({ namespace, name, uid });

function drain(owed: OwedDecisions): PodRef[] {
  const out: PodRef[] = [];
  for (let p = owed.take(); p !== undefined; p = owed.take()) out.push(p);
  return out;
}

describe('OwedDecisions', () => {
  it('gives each incarnation back once, in first-owed order, with its last owed record', () => {
    const owed = new OwedDecisions();
    const a1 = pod('a', 'uid-00a1');
    const b = pod('b', 'uid-00b7');
    const a2 = { ...pod('a', 'uid-00a1'), note: 'newer' };
    owed.owe(a1);
    owed.owe(b);
    owed.owe(a2);
    expect(owed.size).toBe(2);
    expect(drain(owed)).toEqual([a2, b]);
    expect(owed.size).toBe(0);
    expect(owed.take()).toBeUndefined();
  });

  it('keeps two pods that share a UID apart (synthetic data), and an owe after draining starts afresh', () => {
    const owed = new OwedDecisions();
    const x = pod('x', 'same');
    const y = pod('y', 'same');
    owed.owe(x);
    owed.owe(y);
    owed.owe(x);
    expect(drain(owed)).toEqual([x, y]);
    owed.owe(y);
    expect(drain(owed)).toEqual([y]);
  });

  it('matches an insertion-ordered Map keyed by incarnation, for any sequence of owes and takes (unique UIDs)', () => {
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('owe' as const),
        name: fc.constantFrom('p0', 'p1', 'p2', 'p3'),
        uid: fc.constantFrom('1f', '2e', '3d', 'a0', 'ff', '00', 'x'),
      }),
      fc.record({ kind: fc.constant('take' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const owed = new OwedDecisions();
        const model = new Map<string, PodRef>();
        for (const o of ops) {
          if (o.kind === 'owe') {
            // UIDs unique per pod, as in a cluster (a name may get new incarnations); the shared-UID
            // fallback has its own test above.
            const p = pod(o.name, `${o.uid}${o.name}`);
            owed.owe(p);
            model.set(`${p.name}/${p.uid}`, p);
          } else {
            const first = model.entries().next();
            const got = owed.take();
            if (first.done) expect(got).toBeUndefined();
            else {
              model.delete(first.value[0]);
              expect(got).toBe(first.value[1]);
            }
          }
          expect(owed.size).toBe(model.size);
        }
      }),
    );
  });
});
