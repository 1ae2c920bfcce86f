// What kube-apiserver does with a write's options and body: ?dryRun=All (the would-be result,
// nothing stored), ?fieldValidation (Strict/Warn/Ignore on unknown fields), request bodies in
// protobuf and YAML, and the Status a completed DELETE answers with.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, podManifest, raw, startHarness } from './helpers.js';

const RULES = '/apis/resource.k8s.io/v1/devicetaintrules';
const rule = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'resource.k8s.io/v1',
  kind: 'DeviceTaintRule',
  metadata: { name },
  spec: { taint: { key: 'k', effect: 'None' }, ...extra },
});

/** Minimal protobuf writer for the request bodies kubectl's typed clients send. */
const field = (num: number, payload: Buffer): Buffer =>
  Buffer.concat([Buffer.from([(num << 3) | 2, payload.length]), payload]);
const str = (num: number, s: string) => field(num, Buffer.from(s));
/** runtime.Unknown{typeMeta{apiVersion, kind}, raw} behind the "k8s\0" magic. */
const envelope = (apiVersion: string, kind: string, raw: Buffer) =>
  Buffer.concat([Buffer.from('k8s\0'), field(1, Buffer.concat([str(1, apiVersion), str(2, kind)])), field(2, raw)]);

describe('simulated apiserver: dry run, field validation, body encodings', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.server.close();
  });

  it('dryRun=All creates, updates, patches and deletes nothing, with no event and no resourceVersion bump', async () => {
    await raw(h.server, 'POST', RULES, rule('kept'));
    const events: string[] = [];
    const w = h.server.store.watch('devicetaintrules.resource.k8s.io', {}, h.server.store.resourceVersion, (t, e) =>
      events.push(`${t} ${e.name}`),
    );
    const rv = h.server.store.resourceVersion;
    const created = await raw(h.server, 'POST', `${RULES}?dryRun=All`, rule('ghost'));
    expect(created.status).toBe(201);
    // DryRunnableStorage.Create: the object as it would be stored, but no resourceVersion.
    expect(created.json).toMatchObject({ metadata: { name: 'ghost', uid: expect.any(String), generation: 1 } });
    expect((created.json.metadata as Record<string, unknown>).resourceVersion).toBeUndefined();
    const current = h.server.store.get('devicetaintrules.resource.k8s.io', '', 'kept')!;
    const put = await raw(h.server, 'PUT', `${RULES}/kept?dryRun=All`, {
      ...current,
      spec: { taint: { key: 'k', effect: 'NoExecute' } },
    });
    expect(put.json).toMatchObject({
      spec: { taint: { effect: 'NoExecute' } },
      metadata: { generation: 2, resourceVersion: String(rv) },
    });
    const patched = await raw(
      h.server,
      'PATCH',
      `${RULES}/kept?dryRun=All`,
      { metadata: { labels: { a: 'b' } } },
      'application/merge-patch+json',
    );
    expect(patched.json).toMatchObject({ metadata: { labels: { a: 'b' } } });
    const applied = await raw(
      h.server,
      'PATCH',
      `${RULES}/kept?dryRun=All&fieldManager=m`,
      JSON.stringify(rule('kept', { deviceSelector: { driver: 'd' } })),
      'application/apply-patch+yaml',
    );
    expect(applied.json).toMatchObject({ spec: { deviceSelector: { driver: 'd' } } });
    const deleted = await raw(h.server, 'DELETE', `${RULES}/kept?dryRun=All`);
    expect(deleted.json).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'kept' } });
    const bad = await raw(h.server, 'POST', `${RULES}?dryRun=Yes`, rule('x'));
    expect(bad.status).toBe(422);
    expect(bad.json.message).toBe(
      'CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: ["Yes"]: supported values: "All"',
    );
    w.stop();
    expect(h.server.store.resourceVersion).toBe(rv);
    expect(events).toEqual([]);
    expect(h.server.store.get('devicetaintrules.resource.k8s.io', '', 'kept')).toEqual(current);
    expect(h.server.store.get('devicetaintrules.resource.k8s.io', '', 'ghost')).toBeUndefined();
  });

  // Unknown fields are reported in the order the decoder meets them in the body.
  it('fieldValidation: Strict rejects unknown fields, Warn drops them with a Warning header, Ignore drops them silently', async () => {
    const body = { ...rule('v'), spec: { taint: { key: 'k', effect: 'None', color: 'red' } }, extra: 1 };
    const strict = await raw(h.server, 'POST', `${RULES}?fieldValidation=Strict`, body);
    expect(strict.status).toBe(400);
    expect(strict.json.message).toBe(
      'DeviceTaintRule in version "v1" cannot be handled as a DeviceTaintRule: strict decoding error: unknown field "spec.taint.color", unknown field "extra"',
    );
    const warn = await raw(h.server, 'POST', RULES, body);
    expect(warn.status).toBe(201);
    expect(warn.headers.get('warning')).toBe(
      '299 - "unknown field \\"spec.taint.color\\"", 299 - "unknown field \\"extra\\""',
    );
    expect(warn.json).not.toHaveProperty('extra');
    expect((warn.json.spec as { taint: Record<string, unknown> }).taint).not.toHaveProperty('color');
    const ignore = await raw(h.server, 'POST', `${RULES}?fieldValidation=Ignore`, { ...body, metadata: { name: 'w' } });
    expect(ignore.headers.get('warning')).toBeNull();
    const patchStrict = await raw(
      h.server,
      'PATCH',
      `${RULES}/v?fieldValidation=Strict`,
      { spec: { bogus: true } },
      'application/merge-patch+json',
    );
    expect(patchStrict.status).toBe(422);
    expect(String(patchStrict.json.message)).toMatch(
      /^ "" is invalid: patch: Invalid value: ".*": strict decoding error: unknown field "spec.bogus"$/,
    );
  });

  it('decodes protobuf bodies (runtime.Unknown) as typed client-go clients send them', async () => {
    const ns = envelope('v1', 'Namespace', field(1, Buffer.concat([str(1, 'from-proto'), str(3, '')])));
    const res = await fetch(`${h.server.url}/api/v1/namespaces`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/vnd.kubernetes.protobuf',
        Accept: 'application/vnd.kubernetes.protobuf,application/json',
      },
      body: ns,
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({
      kind: 'Namespace',
      metadata: { name: 'from-proto' },
      status: { phase: 'Active' },
    });
    const notProto = await raw(h.server, 'POST', '/api/v1/namespaces', '{}', 'application/vnd.kubernetes.protobuf');
    expect(notProto.status).toBe(400);
    const unknownType = await raw(h.server, 'POST', '/api/v1/namespaces', '{}', 'application/xml');
    expect(unknownType.status).toBe(415);
    expect(unknownType.json.message).toBe(
      'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf',
    );
  });

  it('accepts YAML bodies and answers YAML when asked', async () => {
    const res = await fetch(`${h.server.url}${RULES}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/yaml', Accept: 'application/yaml' },
      body: 'apiVersion: resource.k8s.io/v1\nkind: DeviceTaintRule\nmetadata:\n  name: y\nspec:\n  taint: {key: k, effect: None}\n',
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toBe('application/yaml');
    expect(await res.text()).toMatch(/^kind: DeviceTaintRule$/m);
  });

  it('answers a completed DELETE with a Status for most kinds and the object for pods (ReturnDeletedObject)', async () => {
    const created = await raw(h.server, 'POST', RULES, rule('gone'));
    const del = await raw(h.server, 'DELETE', `${RULES}/gone`);
    expect(del.json).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: {
        name: 'gone',
        group: 'resource.k8s.io',
        kind: 'devicetaintrules',
        uid: (created.json.metadata as { uid: string }).uid,
      },
    });
    await raw(h.server, 'POST', '/api/v1/namespaces/default/pods', podManifest('p'));
    const pod = await raw(h.server, 'DELETE', '/api/v1/namespaces/default/pods/p');
    expect(pod.json).toMatchObject({ kind: 'Pod', metadata: { name: 'p' } });
  });
});
