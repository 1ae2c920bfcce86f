// The piscina page decoder must be indistinguishable from decoding on the main thread: the same
// records in the same order, the same malformed-item errors and keys, the same failures for bodies
// that are not lists, and records that share interned values like main-thread projections do.

import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type DecodedPage,
  decodeListPage,
  InlinePageDecoder,
  projectorNameOf,
} from '../../../src/kube/pageDecode/pageDecoder.js';
import { decodeTaskFilename, PooledPageDecoder, parseDecodedPage } from '../../../src/kube/pageDecode/pool.js';
import { reinternRecords } from '../../../src/kube/pageDecode/reintern.js';
import { parseDecodeTask } from '../../../src/kube/pageDecode/task.js';
import {
  claimsResource,
  deviceClassesResource,
  podGroupsResource,
  podsResource,
  rulesResource,
  slicesResource,
} from '../../../src/kube/resources.js';
import { EMPTY } from '../../../src/shared/intern.js';
import { RecordingLogger } from '../../../src/shared/logger.js';
import { projectSlice } from '../../../src/shared/projection/slice.js';

const bytesOf = (v: unknown): ArrayBuffer => {
  const b = Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
};

const goodPod = (i: number) => ({
  metadata: { name: `p-${i}`, namespace: `ns-${i % 3}`, uid: `uid-${i}`, resourceVersion: String(100 + i) },
  spec: {
    nodeName: `node-${i % 4}`,
    resourceClaims: i % 2 === 0 ? [{ name: 'gpu', resourceClaimTemplateName: 'gpu-template' }] : [],
  },
  status: i % 2 === 0 ? { resourceClaimStatuses: [{ name: 'gpu', resourceClaimName: `p-${i}-gpu-x` }] } : {},
});

/** Good pods with three kinds of bad ones in between: keyable, unkeyable, and not an object at all. */
const mixedPodList = {
  kind: 'PodList',
  apiVersion: 'v1',
  metadata: { resourceVersion: '977', continue: 'next-page-token' },
  items: [
    goodPod(0),
    { metadata: { name: 'bad-claims', namespace: 'ns-0', uid: 'u-b' }, spec: { resourceClaims: 'garbage' } },
    goodPod(1),
    { metadata: { namespace: 'ns-1', uid: 'u-anon' } },
    goodPod(2),
    42,
    ...Array.from({ length: 40 }, (_, i) => goodPod(3 + i)),
  ],
};

const sliceList = {
  kind: 'ResourceSliceList',
  metadata: { resourceVersion: '55' },
  items: [
    {
      metadata: { name: 'slice-a', uid: 'sa', resourceVersion: '50' },
      spec: {
        driver: 'gpu.nvidia.com',
        nodeName: 'node-1',
        pool: { name: 'node-1', generation: 3 },
        devices: [
          { name: 'gpu-0', taints: [{ key: 'gpu.nvidia.com/xid', value: '79', effect: 'NoExecute' }] },
          { name: 'gpu-1' },
        ],
      },
    },
    { metadata: { name: 'slice-bad', uid: 'sb' }, spec: { driver: 'gpu.nvidia.com', pool: { name: 'x' }, devices: 7 } },
  ],
};

describe('PooledPageDecoder', () => {
  const pool = new PooledPageDecoder({ threads: 2, minPooledBytes: 0, idleTimeoutMs: 1_000 });
  const inline = new InlinePageDecoder();
  afterAll(() => pool.close());

  it('gives the same records, in order, and the same malformed errors as the inline decoder', async () => {
    const viaInline = await inline.decode(podsResource, bytesOf(mixedPodList));
    const viaPool = await pool.decode(podsResource, bytesOf(mixedPodList));
    expect(pool.counts.pooled).toBeGreaterThan(0);
    expect(viaPool).toEqual(viaInline);
    if (!viaPool.ok) throw new Error('expected a decoded page');
    expect(viaPool.items.map((p) => p.name)).toEqual(
      [0, 1, 2, ...Array.from({ length: 40 }, (_, i) => 3 + i)].map((i) => `p-${i}`),
    );
    // Pods have no degraded fallback: a malformed pod is dropped from the cache (src/kube/reflector.ts).
    expect(viaPool.malformed).toEqual([
      { error: '$.spec.resourceClaims: expected array, got string', key: 'ns-0/bad-claims', fallback: null },
      { error: expect.stringContaining('$.metadata'), key: null, fallback: null },
      { error: expect.stringContaining('$'), key: null, fallback: null },
    ]);
    expect(viaPool.continueToken).toBe('next-page-token');
    expect(viaPool.resourceVersion).toBe('977');
  });

  it('restores the shared EMPTY arrays that cloning across threads loses', async () => {
    const pods = await pool.decode(podsResource, bytesOf(mixedPodList));
    const slices = await pool.decode(slicesResource('v1'), bytesOf(sliceList));
    if (!pods.ok || !slices.ok) throw new Error('expected decoded pages');
    const odd = pods.items.find((p) => p.name === 'p-1');
    expect(odd?.resourceClaims).toBe(EMPTY);
    expect(odd?.resourceClaimStatuses).toBe(EMPTY);
    const even = pods.items.find((p) => p.name === 'p-2');
    expect(even?.resourceClaims).toEqual([
      { name: 'gpu', resourceClaimName: null, resourceClaimTemplateName: 'gpu-template', podGroupResourceClaim: null },
    ]);
    expect(slices.items[0]?.devices[1]?.taints).toBe(EMPTY);
    expect(slices.items[0]?.devices[0]?.taints[0]).toMatchObject({ key: 'gpu.nvidia.com/xid', effect: 'NoExecute' });
    // The malformed slice comes back as its device-less placeholder (generation absent = 0, as the
    // projector reads it), sharing EMPTY like one projected on this thread.
    expect(slices.malformed).toEqual([
      {
        error: '$.spec.devices: expected array, got number',
        key: 'slice-bad',
        fallback: {
          name: 'slice-bad',
          uid: 'sb',
          resourceVersion: '',
          driver: 'gpu.nvidia.com',
          pool: 'x',
          generation: 0,
          nodeName: '',
          devices: [],
        },
      },
    ]);
    expect(slices.malformed[0]?.fallback?.devices).toBe(EMPTY);
  });

  it('reports bodies that are not JSON or not lists exactly like the inline decoder', async () => {
    const cases = ['{"items": [', '', JSON.stringify({ items: [] }), JSON.stringify({ metadata: {}, items: {} })];
    for (const body of cases) {
      const viaPool = await pool.decode(podsResource, bytesOf(body));
      expect(viaPool).toEqual(await inline.decode(podsResource, bytesOf(body)));
      expect(viaPool.ok).toBe(false);
    }
    expect(await pool.decode(podsResource, bytesOf({ metadata: {}, items: null }))).toEqual({
      ok: true,
      items: [],
      malformed: [],
      continueToken: '',
      resourceVersion: null,
    });
  });

  it('keeps every page to its own caller when many are decoded at once on two threads', async () => {
    const pages = Array.from({ length: 12 }, (_, n) => ({
      metadata: { resourceVersion: String(n) },
      items: Array.from({ length: 30 }, (_, i) => goodPod(n * 100 + i)),
    }));
    const decoded = await Promise.all(pages.map((p) => pool.decode(podsResource, bytesOf(p))));
    decoded.forEach((page: DecodedPage<{ name: string }>, n) => {
      if (!page.ok) throw new Error('expected a decoded page');
      expect(page.resourceVersion).toBe(String(n));
      expect(page.items.map((p) => p.name)).toEqual(Array.from({ length: 30 }, (_, i) => `p-${n * 100 + i}`));
    });
  });

  it('decodes pages below the size threshold inline and larger ones in the pool', async () => {
    const sized = new PooledPageDecoder({ threads: 1, minPooledBytes: 2_000 });
    try {
      const small = { metadata: {}, items: [goodPod(1)] };
      const large = { metadata: {}, items: Array.from({ length: 20 }, (_, i) => goodPod(i)) };
      expect(bytesOf(small).byteLength).toBeLessThan(2_000);
      expect(bytesOf(large).byteLength).toBeGreaterThan(2_000);
      const a = await sized.decode(podsResource, bytesOf(small));
      expect(sized.counts).toMatchObject({ pooled: 0, inline: 1 });
      const b = await sized.decode(podsResource, bytesOf(large));
      expect(sized.counts).toMatchObject({ pooled: 1, inline: 1 });
      expect(a).toEqual(decodeListPage(bytesOf(small), podsResource.project));
      expect(b).toEqual(decodeListPage(bytesOf(large), podsResource.project));
    } finally {
      await sized.close();
    }
  });

  it('fails the page whose pool run failed, then decodes every later page inline', async () => {
    const log = new RecordingLogger();
    const broken = new PooledPageDecoder({ minPooledBytes: 0, taskFilename: '/nonexistent/decodeTask.js', log });
    try {
      // piscina reports a thread that cannot load its task file only as a pool 'error' event.
      await expect(broken.decode(podsResource, bytesOf(mixedPodList))).rejects.toThrow();
      const page = await broken.decode(podsResource, bytesOf(mixedPodList));
      expect(page).toEqual(decodeListPage(bytesOf(mixedPodList), podsResource.project));
      expect(broken.counts).toMatchObject({ pooled: 0, inline: 1 });
      expect(broken.counts.poolFailures).toBeGreaterThanOrEqual(1);
      expect(log.lines.filter((l) => l.level === 'error').map((l) => l.msg)).toEqual([
        'list page decoder pool failed; decoding list pages on the main thread',
      ]);
    } finally {
      await broken.close();
    }
  });

  it('decodes inline after close instead of failing', async () => {
    const closed = new PooledPageDecoder({ threads: 1, minPooledBytes: 0 });
    await closed.close();
    const page = await closed.decode(podsResource, bytesOf(mixedPodList));
    expect(page).toEqual(decodeListPage(bytesOf(mixedPodList), podsResource.project));
    expect(closed.counts).toMatchObject({ pooled: 0, inline: 1 });
  });
});

describe('decode task boundary', () => {
  it('finds the task file next to the pool: the compiled task in a build, the tsx shim from sources', () => {
    expect(decodeTaskFilename('file:///app/dist/kube/pageDecode/pool.js')).toBe('/app/dist/kube/pageDecode/task.js');
    const fromSources = decodeTaskFilename('file:///repo/src/kube/pageDecode/pool.ts');
    expect(fromSources).toBe('/repo/src/kube/pageDecode/taskShim.mjs');
    expect(existsSync(decodeTaskFilename())).toBe(true);
  });

  it('names a projector for every resource descriptor the informers use', () => {
    expect(projectorNameOf(podsResource)).toBe('pod');
    expect(projectorNameOf(claimsResource('v1beta1'))).toBe('claim');
    expect(projectorNameOf(slicesResource('v1beta1'))).toBe('slice:v1beta1');
    expect(projectorNameOf(slicesResource('v1beta2'))).toBe('slice:v1beta2');
    expect(projectorNameOf(deviceClassesResource('v1'))).toBe('deviceClass');
    expect(projectorNameOf(rulesResource('v1alpha3'))).toBe('rule');
    expect(projectorNameOf(podGroupsResource('v1alpha1'))).toBe('podGroup');
    expect(projectorNameOf({ group: 'apps', version: 'v1', plural: 'deployments' })).toBeNull();
    expect(projectorNameOf({ group: 'resource.k8s.io', version: 'v9', plural: 'resourceslices' })).toBeNull();
  });

  it('rejects tasks and results that do not have the agreed shape', () => {
    expect(() => parseDecodeTask({ projector: 'pod', page: 'text' })).toThrow(/ArrayBuffer/);
    expect(() => parseDecodeTask({ projector: 'toString', page: new ArrayBuffer(1) })).toThrow(/unknown projector/);
    expect(parseDecodeTask({ projector: 'claim', page: new ArrayBuffer(1) }).projector).toBe('claim');
    expect(() =>
      parseDecodedPage({ ok: true, items: [], malformed: [], continueToken: 1, resourceVersion: null }),
    ).toThrow(/envelope/);
    expect(() =>
      parseDecodedPage({ ok: true, items: [{ name: 1 }], malformed: [], continueToken: '', resourceVersion: null }),
    ).toThrow(/item/);
    expect(() => parseDecodedPage({ ok: false, reason: 'weird' })).toThrow(/unknown failure/);
    expect(parseDecodedPage({ ok: false, reason: 'notList' })).toEqual({ ok: false, reason: 'notList' });
  });
});

describe('re-interning records cloned back from a pool thread', () => {
  it('restores shared untainted devices and toleration lists, and is harmless when applied twice', () => {
    const slice = {
      metadata: { name: 'node-1-gpu', uid: 'u-s', resourceVersion: '5', generation: 1 },
      spec: {
        driver: 'gpu.nvidia.com',
        pool: { name: 'node-1', generation: 1 },
        nodeName: 'node-1',
        devices: [
          { name: 'gpu-0' },
          {
            name: 'gpu-1',
            taints: [
              { key: 'gpu.nvidia.com/xid', value: '79', effect: 'NoExecute', timeAdded: '2000-01-01T00:00:00Z' },
            ],
          },
        ],
      },
    };
    const inline = projectSlice(slice);
    expect(inline.ok).toBe(true);
    if (!inline.ok) return;
    const cloned = structuredClone([inline.value]);
    expect(cloned[0]!.devices[0]).not.toBe(inline.value.devices[0]);
    reinternRecords('slice:v1', cloned);
    // The untainted device is this thread's shared instance again; the tainted one keeps its own taints.
    expect(cloned[0]!.devices[0]).toBe(inline.value.devices[0]);
    expect(cloned[0]).toEqual(inline.value);
    reinternRecords('slice:v1', cloned);
    expect(cloned[0]).toEqual(inline.value);
  });
});
