// DeviceClaims switches representation at 32 allocation results; whatever the representation, it must
// behave like the counting Map it replaced: first-allocation order, multiplicity, delete-all.

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { DeviceClaims } from '../../../src/main/engine/deviceClaims.js';

type Op = { readonly kind: 'add' | 'delete'; readonly claim: number };

const ops = fc.array(
  fc.record({
    kind: fc.constantFrom<'add' | 'delete'>('add', 'add', 'delete'),
    claim: fc.integer({ min: 0, max: 40 }),
  }),
  { maxLength: 120 },
);

function replay(list: readonly Op[]): { claims: DeviceClaims<number> | null; model: Map<number, number> } {
  let claims: DeviceClaims<number> | null = null;
  const model = new Map<number, number>();
  for (const op of list) {
    if (op.kind === 'add') {
      model.set(op.claim, (model.get(op.claim) ?? 0) + 1);
      if (claims === null) claims = new DeviceClaims(op.claim);
      else claims.add(op.claim);
    } else {
      model.delete(op.claim);
      claims?.delete(op.claim);
    }
  }
  return { claims, model };
}

describe('DeviceClaims', () => {
  test('behaves like a counting Map in insertion order, across the array/Map switch', () => {
    fc.assert(
      fc.property(ops, (list) => {
        const { claims, model } = replay(list);
        if (claims === null) return;
        const seen = new Set<number>();
        claims.addTo(seen);
        expect([...seen]).toEqual([...model.keys()]);
        expect(claims.allocations).toBe([...model.values()].reduce((a, b) => a + b, 0));
        expect(claims.isEmpty).toBe(model.size === 0);
      }),
      { numRuns: 300 },
    );
  });

  test('a claim with several results on the device counts each and is deleted at once', () => {
    const claims = new DeviceClaims('a');
    claims.add('b');
    claims.add('a');
    expect(claims.allocations).toBe(3);
    claims.delete('a');
    expect(claims.allocations).toBe(1);
    const seen = new Set<string>();
    claims.addTo(seen);
    expect([...seen]).toEqual(['b']);
    claims.delete('b');
    expect(claims.isEmpty).toBe(true);
  });

  test('many claims on one shared device keep their order after switching to a Map', () => {
    const claims = new DeviceClaims(0);
    for (let i = 1; i < 40; i++) claims.add(i);
    claims.delete(3);
    claims.add(3);
    const seen = new Set<number>();
    claims.addTo(seen);
    expect([...seen]).toEqual([...Array.from({ length: 40 }, (_, i) => i).filter((i) => i !== 3), 3]);
    expect(claims.allocations).toBe(40);
  });
});
