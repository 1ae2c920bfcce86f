// Server-side printing: Accept: application/json;as=Table;g=meta.k8s.io;v=v1 on list, get and
// watch, with printers.go's column definitions and cells.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCluster } from '../../src/sim/index.js';
import { humanDuration } from '../../src/sim/tables/index.js';
import { waitFor } from '../support/waitFor.js';
import { type Harness, startHarness } from './helpers.js';

const TABLE =
  'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

interface Table {
  kind: string;
  apiVersion: string;
  metadata: { resourceVersion: string };
  columnDefinitions: { name: string; type: string; format: string; priority: number; description: string }[] | null;
  rows: { cells: unknown[]; object?: { kind: string; metadata: { name: string } } }[];
}

describe('simulated apiserver: server-side tables', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    seedCluster(h.server.store, { nodes: 1, devicesPerNode: 2, pods: 2, seed: 3 });
  });
  afterAll(async () => {
    await h.server.close();
  });

  const get = async (path: string, accept = TABLE) => {
    const res = await fetch(h.server.url + path, { headers: { Accept: accept } });
    return { status: res.status, body: (await res.json()) as Table };
  };

  it('lists pods as a Table with the pod printer columns, wide ones at priority 1', async () => {
    const { status, body } = await get('/api/v1/pods');
    expect(status).toBe(200);
    expect(body).toMatchObject({ kind: 'Table', apiVersion: 'meta.k8s.io/v1' });
    expect(body.metadata.resourceVersion).toBe(String(h.server.store.resourceVersion));
    expect(body.columnDefinitions!.map((c) => [c.name, c.type, c.priority])).toEqual([
      ['Name', 'string', 0],
      ['Ready', 'string', 0],
      ['Status', 'string', 0],
      ['Restarts', 'string', 0],
      ['Age', 'string', 0],
      ['IP', 'string', 1],
      ['Node', 'string', 1],
      ['Nominated Node', 'string', 1],
      ['Readiness Gates', 'string', 1],
    ]);
    expect(body.columnDefinitions![0]).toMatchObject({
      format: 'name',
      description: expect.stringContaining('Name must be unique'),
    });
    expect(body.rows).toHaveLength(2);
    const [name, ready, phase, restarts, , , node, nominated, gates] = body.rows[0]!.cells;
    expect([typeof name, ready, phase, restarts, node, nominated, gates]).toEqual([
      'string',
      '0/1',
      'Running',
      '0',
      'gpu-node-0000',
      '<none>',
      '<none>',
    ]);
    // includeObject defaults to Metadata: each row carries PartialObjectMetadata.
    expect(body.rows[0]!.object).toMatchObject({ kind: 'PartialObjectMetadata', metadata: { name } });
  });

  it('honours includeObject and answers a single object as a one-row table', async () => {
    const none = await get('/api/v1/pods?includeObject=None');
    expect(none.body.rows[0]!.object).toBeUndefined();
    const whole = await get('/apis/resource.k8s.io/v1/resourceslices?includeObject=Object');
    expect(whole.body.rows[0]!.object).toMatchObject({ kind: 'ResourceSlice', spec: { driver: 'gpu.nvidia.com' } });
    expect(whole.body.rows[0]!.cells.slice(1, 4)).toEqual(['gpu-node-0000', 'gpu.nvidia.com', 'gpu-node-0000']);
    const bad = await get('/api/v1/pods?includeObject=All');
    expect(bad.status).toBe(400);
    const one = await get('/api/v1/namespaces/default');
    expect(one.body.rows).toHaveLength(1);
    expect(one.body.rows[0]!.cells).toEqual(['default', 'Active', expect.any(String)]);
  });

  it('uses the default name / created-at table for kinds without a printer', async () => {
    h.server.store.create('devicetaintrules.resource.k8s.io', {
      metadata: { name: 'r' },
      spec: { taint: { key: 'k', effect: 'None' } },
    });
    const { body } = await get('/apis/resource.k8s.io/v1/devicetaintrules');
    expect(body.columnDefinitions!.map((c) => [c.name, c.type])).toEqual([
      ['Name', 'string'],
      ['Created At', 'date'],
    ]);
    expect(body.rows[0]!.cells).toEqual(['r', expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)]);
  });

  it('answers 406 for a conversion it does not offer, and PartialObjectMetadataList for lists', async () => {
    const table2 = await get('/api/v1/pods', 'application/json;as=Table;v=v2;g=meta.k8s.io');
    expect(table2.status).toBe(406);
    expect(table2.body).toMatchObject({
      reason: 'NotAcceptable',
      message:
        'only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf',
    });
    const partial = await get('/api/v1/pods', 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io');
    expect(partial.body).toMatchObject({ kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1' });
  });

  it('streams watch events as one-row tables, column definitions on the first only', async () => {
    const ac = new AbortController();
    const res = await fetch(`${h.server.url}/api/v1/namespaces?watch=true`, {
      headers: { Accept: TABLE },
      signal: ac.signal,
    });
    const reader = res.body!.getReader();
    let text = '';
    const pump = (async () => {
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        text += new TextDecoder().decode(value);
      }
    })();
    try {
      const initial = h.server.store.count('namespaces');
      await waitFor(
        () => text.split('\n').filter((l) => l !== '').length >= initial,
        5000,
        () => 'initial events',
      );
      h.server.store.ensureNamespace('watched');
      await waitFor(
        () => text.includes('"watched"'),
        5000,
        () => 'the new namespace',
      );
      const events = text
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as { type: string; object: Table });
      expect(events.every((e) => e.object.kind === 'Table' && e.object.rows.length === 1)).toBe(true);
      expect(events[0]!.object.columnDefinitions!.map((c) => c.name)).toEqual(['Name', 'Status', 'Age']);
      expect(events.slice(1).every((e) => e.object.columnDefinitions === null)).toBe(true);
    } finally {
      ac.abort();
      await pump;
    }
  });

  it('prints ages like duration.HumanDuration', () => {
    const s = 1000;
    expect(
      [5 * s, 119 * s, 150 * s, 10 * 60 * s, 3 * 3600 * s + 5 * 60 * s, 30 * 3600 * s, 3 * 86400 * s + 3600 * s].map(
        humanDuration,
      ),
    ).toEqual(['5s', '119s', '2m30s', '10m', '3h5m', '30h', '3d1h']);
  });
});
