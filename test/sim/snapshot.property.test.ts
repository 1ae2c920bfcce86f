import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type JsonObject, SimStore } from '../../src/sim/index.js';

type Op =
  | { readonly kind: 'create'; readonly ns: number; readonly id: number; readonly color: string }
  | { readonly kind: 'delete'; readonly ns: number; readonly id: number }
  | { readonly kind: 'relabel'; readonly ns: number; readonly id: number; readonly color: string };

const colors = fc.constantFrom('red', 'blue');
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('create' as const),
    ns: fc.integer({ min: 0, max: 2 }),
    id: fc.integer({ min: 0, max: 15 }),
    color: colors,
  }),
  fc.record({
    kind: fc.constant('delete' as const),
    ns: fc.integer({ min: 0, max: 2 }),
    id: fc.integer({ min: 0, max: 15 }),
  }),
  fc.record({
    kind: fc.constant('relabel' as const),
    ns: fc.integer({ min: 0, max: 2 }),
    id: fc.integer({ min: 0, max: 15 }),
    color: colors,
  }),
);

/** Applies an op to the store and the model; ops that the API would reject are skipped in both. */
function apply(store: SimStore, model: Map<string, string>, op: Op): void {
  const namespace = `ns-${op.ns}`;
  const name = `p-${String(op.id).padStart(2, '0')}`;
  const key = `${namespace}/${name}`;
  if (op.kind === 'create') {
    if (model.has(key)) return;
    const pod: JsonObject = { metadata: { name, namespace, labels: { color: op.color } }, spec: { containers: [] } };
    store.create('pods', pod);
    model.set(key, op.color);
  } else if (op.kind === 'delete') {
    if (!model.has(key)) return;
    store.delete('pods', namespace, name);
    model.delete(key);
  } else {
    if (!model.has(key)) return;
    store.patch('pods', namespace, name, 'merge', { metadata: { labels: { color: op.color } } });
    model.set(key, op.color);
  }
}

describe('paginated lists are consistent snapshots', () => {
  it('pages after the first one show the state as of the first page, whatever happens in between', () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { maxLength: 60 }),
        fc.array(fc.array(opArb, { maxLength: 8 }), { maxLength: 10 }),
        fc.integer({ min: 1, max: 5 }),
        fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }),
        fc.option(colors, { nil: undefined }),
        (before, between, limit, nsIndex, color) => {
          const store = new SimStore({ initialNamespaces: ['ns-0', 'ns-1', 'ns-2'] });
          const model = new Map<string, string>();
          for (const op of before) apply(store, model, op);
          const namespace = nsIndex === undefined ? undefined : `ns-${nsIndex}`;
          const labels = color === undefined ? [] : [{ op: 'in' as const, key: 'color', values: [color] }];
          const expected = [...model]
            .filter(
              ([k, c]) =>
                (namespace === undefined || k.startsWith(`${namespace}/`)) && (color === undefined || c === color),
            )
            .map(([k]) => k)
            .sort();

          const seen: string[] = [];
          let page = store.listPage('pods', { namespace, labels, limit });
          const snapshotRv = page.resourceVersion;
          for (let i = 0; ; i++) {
            seen.push(...page.items.map((e) => e.key));
            if (page.continueAfter === undefined) break;
            for (const op of between[i % Math.max(1, between.length)] ?? []) apply(store, model, op);
            page = store.listPage('pods', {
              namespace,
              labels,
              limit,
              atRv: snapshotRv,
              startAfter: page.continueAfter,
            });
            expect(page.resourceVersion).toBe(snapshotRv);
          }
          expect(seen).toEqual(expected);
        },
      ),
      { numRuns: 200, seed: 42 },
    );
  });
});
