// metadata.managedFields as kube-apiserver's field manager writes them: FieldsV1 sets per manager
// and operation, Update ownership moving with changes, server-side apply pruning what an applier
// dropped and refusing to take another manager's fields without force, and a client rewriting
// managedFields itself (the JSON patch kubectl sends to upgrade client-side apply).

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, raw, startHarness } from './helpers.js';

const RULES = '/apis/resource.k8s.io/v1/devicetaintrules';
const APPLY = 'application/apply-patch+yaml';
const rule = (spec: Record<string, unknown>) => ({
  apiVersion: 'resource.k8s.io/v1',
  kind: 'DeviceTaintRule',
  metadata: { name: 'r' },
  spec,
});

interface Entry {
  manager: string;
  operation: string;
  apiVersion: string;
  time: string;
  fieldsType: string;
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

describe('simulated apiserver: managedFields', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.server.close();
  });

  const entries = (): Entry[] => {
    const obj = h.server.store.get('devicetaintrules.resource.k8s.io', '', 'r') as unknown as {
      metadata: { managedFields?: Entry[] };
    };
    return obj.metadata.managedFields ?? [];
  };

  it('records an Update entry with the fields a create set (not what the strategy filled in)', async () => {
    await raw(h.server, 'POST', `${RULES}?fieldManager=creator`, rule({ taint: { key: 'k', effect: 'None' } }));
    expect(entries()).toEqual([
      {
        manager: 'creator',
        operation: 'Update',
        apiVersion: 'resource.k8s.io/v1',
        time: expect.stringMatching(/Z$/),
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:spec': { 'f:taint': { 'f:effect': {}, 'f:key': {} } } },
      },
    ]);
    // Without ?fieldManager the manager is the User-Agent up to its first "/".
    const res = await fetch(`${h.server.url}${RULES}/r`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/merge-patch+json', 'User-Agent': 'labeller/1.2 (linux)' },
      body: JSON.stringify({ metadata: { labels: { a: 'b' } } }),
    });
    expect(res.status).toBe(200);
    expect(entries().map((e) => [e.manager, e.fieldsV1])).toEqual([
      ['creator', { 'f:spec': { 'f:taint': { 'f:effect': {}, 'f:key': {} } } }],
      ['labeller', { 'f:metadata': { 'f:labels': { '.': {}, 'f:a': {} } } }],
    ]);
  });

  it('moves ownership of a changed field to the manager that changed it', async () => {
    await raw(h.server, 'POST', `${RULES}?fieldManager=a`, rule({ taint: { key: 'k', effect: 'None' } }));
    await raw(
      h.server,
      'PATCH',
      `${RULES}/r?fieldManager=b`,
      { spec: { taint: { effect: 'NoExecute' } } },
      'application/merge-patch+json',
    );
    expect(entries().map((e) => [e.manager, e.fieldsV1])).toEqual([
      ['a', { 'f:spec': { 'f:taint': { 'f:key': {} } } }],
      ['b', { 'f:spec': { 'f:taint': { 'f:effect': {} } } }],
    ]);
  });

  it('server-side apply owns what it applied, prunes what it stopped applying, and conflicts without force', async () => {
    const first = await raw(
      h.server,
      'PATCH',
      `${RULES}/r?fieldManager=ops`,
      JSON.stringify(
        rule({ deviceSelector: { driver: 'd', pool: 'p' }, taint: { key: 'k', value: 'v', effect: 'None' } }),
      ),
      APPLY,
    );
    expect(first.status).toBe(201);
    expect(entries()).toEqual([
      expect.objectContaining({
        manager: 'ops',
        operation: 'Apply',
        fieldsV1: {
          'f:spec': {
            'f:deviceSelector': { 'f:driver': {}, 'f:pool': {} },
            'f:taint': { 'f:effect': {}, 'f:key': {}, 'f:value': {} },
          },
        },
      }),
    ]);
    await raw(
      h.server,
      'PATCH',
      `${RULES}/r?fieldManager=ops`,
      JSON.stringify(rule({ deviceSelector: { driver: 'd' }, taint: { key: 'k', effect: 'None' } })),
      APPLY,
    );
    const pruned = h.server.store.get('devicetaintrules.resource.k8s.io', '', 'r') as { spec: Record<string, unknown> };
    expect(pruned.spec).toMatchObject({ deviceSelector: { driver: 'd' }, taint: { key: 'k', effect: 'None' } });
    expect(pruned.spec.deviceSelector).not.toHaveProperty('pool');
    expect(pruned.spec.taint).not.toHaveProperty('value');
    const conflict = await raw(
      h.server,
      'PATCH',
      `${RULES}/r?fieldManager=other`,
      JSON.stringify(rule({ taint: { key: 'k', effect: 'NoExecute' } })),
      APPLY,
    );
    expect(conflict.status).toBe(409);
    // Only the field whose value would change conflicts; applying the same key is shared ownership.
    expect(conflict.json).toMatchObject({
      reason: 'Conflict',
      message: 'Apply failed with 1 conflict: conflict with "ops": .spec.taint.effect',
      details: {
        causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "ops"', field: '.spec.taint.effect' }],
      },
    });
    const forced = await raw(
      h.server,
      'PATCH',
      `${RULES}/r?fieldManager=other&force=true`,
      JSON.stringify(rule({ taint: { key: 'k', effect: 'NoExecute' } })),
      APPLY,
    );
    expect(forced.status).toBe(200);
    expect(entries().map((e) => [e.manager, e.fieldsV1])).toEqual([
      ['ops', { 'f:spec': { 'f:deviceSelector': { 'f:driver': {} }, 'f:taint': { 'f:key': {} } } }],
      ['other', { 'f:spec': { 'f:taint': { 'f:effect': {}, 'f:key': {} } } }],
    ]);
  });

  it('takes managedFields a client writes itself (kubectl upgrading client-side apply with a JSON patch)', async () => {
    await raw(
      h.server,
      'POST',
      `${RULES}?fieldManager=kubectl-client-side-apply`,
      rule({ taint: { key: 'k', effect: 'None' } }),
    );
    const [csa] = entries();
    const rv = (
      h.server.store.get('devicetaintrules.resource.k8s.io', '', 'r') as { metadata: { resourceVersion: string } }
    ).metadata.resourceVersion;
    const upgraded = await raw(
      h.server,
      'PATCH',
      `${RULES}/r?fieldManager=kubectl`,
      [
        { op: 'replace', path: '/metadata/managedFields', value: [{ ...csa, manager: 'kubectl', operation: 'Apply' }] },
        { op: 'replace', path: '/metadata/resourceVersion', value: rv },
      ],
      'application/json-patch+json',
    );
    expect(upgraded.status).toBe(200);
    expect(entries().map((e) => [e.manager, e.operation])).toEqual([['kubectl', 'Apply']]);
    // A stale resourceVersion in the same patch is a conflict (the optimistic lock kubectl relies on).
    const stale = await raw(
      h.server,
      'PATCH',
      `${RULES}/r`,
      [{ op: 'replace', path: '/metadata/resourceVersion', value: rv }],
      'application/json-patch+json',
    );
    expect(stale.status).toBe(409);
  });

  it('keeps status ownership on the status endpoint', async () => {
    await raw(h.server, 'POST', `${RULES}?fieldManager=admin`, rule({ taint: { key: 'k', effect: 'None' } }));
    await raw(
      h.server,
      'PATCH',
      `${RULES}/r/status?fieldManager=controller`,
      {
        status: {
          conditions: [
            {
              type: 'EvictionInProgress',
              status: 'False',
              reason: 'NoEffect',
              message: 'm',
              lastTransitionTime: '2030-01-01T00:00:00Z',
            },
          ],
        },
      },
      'application/merge-patch+json',
    );
    expect(entries().find((e) => e.manager === 'controller')).toMatchObject({
      operation: 'Update',
      subresource: 'status',
      fieldsV1: {
        'f:status': {
          'f:conditions': {
            '.': {},
            'k:{"type":"EvictionInProgress"}': {
              '.': {},
              'f:lastTransitionTime': {},
              'f:message': {},
              'f:reason': {},
              'f:status': {},
              'f:type': {},
            },
          },
        },
      },
    });
  });
});
