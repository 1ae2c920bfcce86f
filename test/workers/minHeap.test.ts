import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MinHeap, NOT_IN_HEAP, type TimedNode } from '../../src/workers/minHeap.js';

interface Node extends TimedNode {
  readonly id: number;
}

const node = (id: number, dueAt: number, seq = id): Node => ({ id, dueAt, seq, heapIndex: NOT_IN_HEAP });

const byDueThenSeq = (a: Node, b: Node) => a.dueAt - b.dueAt || a.seq - b.seq;

describe('MinHeap', () => {
  it('pops by due time, ties in insertion sequence', () => {
    const heap = new MinHeap<Node>();
    for (const n of [node(0, 30), node(1, 10), node(2, 20), node(3, 10), node(4, 5)]) heap.push(n);
    const order: number[] = [];
    for (let n = heap.pop(); n !== undefined; n = heap.pop()) order.push(n.id);
    expect(order).toEqual([4, 1, 3, 2, 0]);
    expect(heap.size).toBe(0);
  });

  it('removes an arbitrary node and re-sorts after fix', () => {
    const heap = new MinHeap<Node>();
    const nodes = [node(0, 50), node(1, 40), node(2, 30), node(3, 20), node(4, 10)];
    for (const n of nodes) heap.push(n);
    expect(heap.remove(nodes[2]!)).toBe(true);
    expect(nodes[2]!.heapIndex).toBe(NOT_IN_HEAP);
    expect(heap.remove(nodes[2]!)).toBe(false);
    nodes[0]!.dueAt = 1;
    heap.fix(nodes[0]!);
    nodes[4]!.dueAt = 100;
    heap.fix(nodes[4]!);
    const order: number[] = [];
    for (let n = heap.pop(); n !== undefined; n = heap.pop()) order.push(n.id);
    expect(order).toEqual([0, 3, 1, 4]);
  });

  it('refuses a node that is already in a heap', () => {
    const heap = new MinHeap<Node>();
    const n = node(0, 1);
    heap.push(n);
    expect(() => heap.push(n)).toThrow(/already/);
    expect(() => new MinHeap<Node>().fix(n)).toThrow(/not in this heap/);
  });

  it('matches a sorted array under random push/pop/remove/fix', () => {
    const op = fc.oneof(
      fc.record({ k: fc.constant('push' as const), dueAt: fc.integer({ min: 0, max: 20 }) }),
      fc.record({ k: fc.constant('pop' as const) }),
      fc.record({ k: fc.constant('remove' as const), pick: fc.nat() }),
      fc.record({ k: fc.constant('fix' as const), pick: fc.nat(), dueAt: fc.integer({ min: 0, max: 20 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const heap = new MinHeap<Node>();
        const model: Node[] = [];
        let seq = 0;
        for (const o of ops) {
          if (o.k === 'push') {
            const n = node(seq, o.dueAt, seq);
            seq++;
            heap.push(n);
            model.push(n);
          } else if (o.k === 'pop') {
            model.sort(byDueThenSeq);
            const expected = model.shift();
            expect(heap.pop()).toBe(expected);
          } else if (model.length > 0) {
            const target = model[o.pick % model.length]!;
            if (o.k === 'remove') {
              expect(heap.remove(target)).toBe(true);
              model.splice(model.indexOf(target), 1);
            } else {
              target.dueAt = o.dueAt;
              target.seq = seq++;
              heap.fix(target);
            }
          }
          expect(heap.size).toBe(model.length);
          model.sort(byDueThenSeq);
          expect(heap.peek()).toBe(model[0]);
        }
      }),
      { numRuns: 200, seed: Number(process.env.FC_SEED ?? 1) },
    );
  });
});
