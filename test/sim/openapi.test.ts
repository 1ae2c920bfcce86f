// /openapi/v3 and /openapi/v2 as kube-openapi serves them: documents per group version behind a
// content hash, schemas with the x-kubernetes-* extensions kubectl reads, PATCH operations that
// advertise fieldValidation, and v2 in gnostic protobuf for client-go's discovery client.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './helpers.js';

type Json = Record<string, unknown>;

describe('simulated apiserver: OpenAPI', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ ruleVersions: ['v1', 'v1alpha3'] });
  });
  afterAll(async () => {
    await h.server.close();
  });

  const json = async (path: string, accept = 'application/json') => {
    const res = await fetch(h.server.url + path, { headers: { Accept: accept }, redirect: 'manual' });
    return { res, body: res.status === 200 ? ((await res.json()) as Json) : undefined };
  };

  it('lists one v3 document per served group version, each behind its content hash', async () => {
    const { body } = await json('/openapi/v3');
    const paths = body!.paths as Record<string, { serverRelativeURL: string }>;
    expect(Object.keys(paths)).toEqual(
      expect.arrayContaining([
        'api/v1',
        'apis/resource.k8s.io/v1',
        'apis/resource.k8s.io/v1alpha3',
        'apis/coordination.k8s.io/v1',
      ]),
    );
    const url = paths['apis/resource.k8s.io/v1']!.serverRelativeURL;
    expect(url).toMatch(/^\/openapi\/v3\/apis\/resource\.k8s\.io\/v1\?hash=[0-9A-F]{128}$/);
    const { res, body: doc } = await json(url);
    expect(res.headers.get('cache-control')).toBe('public, immutable');
    expect(res.headers.get('etag')).toBe(`"${url.split('=')[1]}"`);
    expect(doc).toMatchObject({ openapi: '3.0.0', info: { title: 'Kubernetes' } });
    // A stale hash is redirected to the current one (handler3.HandleGroupVersion).
    const stale = await json('/openapi/v3/apis/resource.k8s.io/v1?hash=ABC');
    expect(stale.res.status).toBe(301);
    expect(stale.res.headers.get('location')).toBe(url);
  });

  it('describes kinds with their group-version-kind, list-map keys and patch strategies', async () => {
    const { body } = await json('/openapi/v3/api/v1');
    const schemas = (body!.components as { schemas: Record<string, Json> }).schemas;
    expect(schemas['io.k8s.api.core.v1.Pod']).toMatchObject({
      type: 'object',
      'x-kubernetes-group-version-kind': [{ group: '', kind: 'Pod', version: 'v1' }],
    });
    const containers = (schemas['io.k8s.api.core.v1.PodSpec']!.properties as Record<string, Json>).containers;
    expect(containers).toEqual({
      type: 'array',
      items: { allOf: [{ $ref: '#/components/schemas/io.k8s.api.core.v1.Container' }], default: {} },
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
      'x-kubernetes-patch-strategy': 'merge',
      'x-kubernetes-patch-merge-key': 'name',
    });
    expect(schemas['io.k8s.api.core.v1.PodSpec']!.required).toEqual(['containers']);
    expect(schemas['io.k8s.apimachinery.pkg.apis.meta.v1.Time']).toMatchObject({ type: 'string', format: 'date-time' });
    expect(schemas['io.k8s.api.core.v1.PodList']).toMatchObject({
      'x-kubernetes-group-version-kind': [{ group: '', kind: 'PodList', version: 'v1' }],
    });
  });

  it('advertises fieldValidation and the patch content types on PATCH (kubectl decides server-side validation from it)', async () => {
    const { body } = await json('/openapi/v3/apis/resource.k8s.io/v1');
    const item = (body!.paths as Record<string, Json>)['/apis/resource.k8s.io/v1/devicetaintrules/{name}']!;
    const patch = item.patch as Json;
    expect(patch).toMatchObject({
      operationId: 'patchResourceV1DeviceTaintRule',
      'x-kubernetes-action': 'patch',
      'x-kubernetes-group-version-kind': { group: 'resource.k8s.io', kind: 'DeviceTaintRule', version: 'v1' },
    });
    expect((patch.parameters as { name: string; in: string }[]).map((p) => `${p.in}:${p.name}`)).toEqual([
      'query:dryRun',
      'query:fieldManager',
      'query:fieldValidation',
      'query:force',
    ]);
    expect(Object.keys((patch.requestBody as { content: Json }).content)).toContain(
      'application/strategic-merge-patch+json',
    );
    expect(Object.keys(item)).toEqual(expect.arrayContaining(['get', 'put', 'patch', 'delete', 'parameters']));
  });

  it('serves v2 as JSON and, for client-go, as gnostic protobuf', async () => {
    const { body } = await json('/openapi/v2');
    expect(body).toMatchObject({ swagger: '2.0' });
    const defs = body!.definitions as Record<string, Json>;
    expect((defs['io.k8s.api.core.v1.PodSpec']!.properties as Record<string, Json>).containers).toMatchObject({
      items: { $ref: '#/definitions/io.k8s.api.core.v1.Container' },
      'x-kubernetes-patch-merge-key': 'name',
    });
    const pb = await fetch(`${h.server.url}/openapi/v2`, {
      headers: { Accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' },
    });
    expect(pb.headers.get('content-type')).toBe('application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
    const bytes = Buffer.from(await pb.arrayBuffer());
    // Field 1 (swagger) is the string "2.0": tag 0x0a, length 3.
    expect([...bytes.subarray(0, 5)]).toEqual([0x0a, 3, 0x32, 0x2e, 0x30]);
    expect(bytes.includes(Buffer.from('io.k8s.api.core.v1.PodSpec'))).toBe(true);
  });
});
