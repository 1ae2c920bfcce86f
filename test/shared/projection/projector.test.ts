// What every projector shares: totality (a record or a shape error naming the field, never a throw) and keyOfRaw.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { projectClaim } from '../../../src/shared/projection/claim.js';
import { projectDeviceClass } from '../../../src/shared/projection/deviceClass.js';
import { projectPod } from '../../../src/shared/projection/pod.js';
import { projectPodGroup } from '../../../src/shared/projection/podGroup.js';
import { keyOfRaw, type Projection, type Projector } from '../../../src/shared/projection/projector.js';
import { projectRule } from '../../../src/shared/projection/rule.js';
import { makeSliceProjector } from '../../../src/shared/projection/slice.js';
import { beta1Slice, claim, flatSlice, pod, rule } from './fixtures.js';

describe('projection is total', () => {
  const projectors: [string, Projector<unknown>][] = [
    ['pod', projectPod],
    ['claim', projectClaim],
    ['slice v1', makeSliceProjector('v1')],
    ['slice v1beta1', makeSliceProjector('v1beta1')],
    ['rule', projectRule],
    ['podgroup', projectPodGroup],
    ['class', projectDeviceClass],
  ];

  // Total means: a record, or a shape error naming the field. An "unexpected projection failure" would
  // be a TypeError inside a reader, i.e. a shape the readers do not actually handle.
  const wellFormedResult = (r: Projection<unknown>): boolean =>
    r.ok
      ? typeof r.value === 'object' && r.value !== null
      : typeof r.error === 'string' && r.error.startsWith('$') && !r.error.includes('unexpected projection failure');

  it.each(projectors)('%s never throws on arbitrary values', (_name, project) => {
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withBigInt: true, withDate: true, withMap: true }), (v) =>
        wellFormedResult(project(v)),
      ),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.json(), (text) => wellFormedResult(project(JSON.parse(text)))),
      { numRuns: 300 },
    );
  });

  // Arbitrary values rarely get past `metadata`; damaging one field deep inside a realistic object
  // exercises every reader.
  const samples: [Projector<unknown>, () => unknown][] = [
    [projectPod, pod],
    [projectClaim, claim],
    [makeSliceProjector('v1'), () => flatSlice('resource.k8s.io/v1')],
    [makeSliceProjector('v1beta1'), beta1Slice],
    [projectRule, () => rule('resource.k8s.io/v1', { driver: 'd' })],
  ];

  function paths(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
    if (typeof v !== 'object' || v === null) return [prefix];
    const keys: (string | number)[] = Array.isArray(v) ? v.map((_x, i) => i) : Object.keys(v);
    return [prefix, ...keys.flatMap((k) => paths((v as Record<string | number, unknown>)[k], [...prefix, k]))];
  }

  function setAt(root: unknown, path: (string | number)[], value: unknown): unknown {
    if (path.length === 0) return value;
    const [head, ...rest] = path;
    const copy = (Array.isArray(root) ? [...root] : { ...(root as object) }) as Record<string | number, unknown>;
    copy[head!] = setAt(copy[head!], rest, value);
    return copy;
  }

  it('never throws when any field of a realistic object is replaced by arbitrary JSON', () => {
    for (const [project, make] of samples) {
      const all = paths(make());
      fc.assert(
        fc.property(fc.constantFrom(...all), fc.jsonValue(), (path, value) => {
          const r = project(setAt(make(), path, value));
          return wellFormedResult(r);
        }),
        { numRuns: 400 },
      );
    }
  });

  it('keyOfRaw never throws and agrees with the projected key', () => {
    fc.assert(
      fc.property(fc.anything(), (v) => {
        const k = keyOfRaw(v, true);
        return k === null || typeof k === 'string';
      }),
    );
    expect(keyOfRaw(pod(), true)).toBe('default/my-pod');
    expect(keyOfRaw(flatSlice('x'), false)).toBe('worker-some-driver-abc');
  });
});
