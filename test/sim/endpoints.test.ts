// The non-resource endpoints and the review kinds: health checks the way healthz.handleRootHealth
// answers, the root path list, and the self-subject reviews behind `kubectl auth`.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, raw, startHarness } from './helpers.js';

describe('simulated apiserver: health endpoints and reviews', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.server.close();
  });

  const text = async (path: string) => {
    const res = await fetch(h.server.url + path);
    return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
  };

  it('answers /healthz, /livez and /readyz with "ok", per-check and verbose', async () => {
    for (const endpoint of ['healthz', 'livez', 'readyz']) {
      expect(await text(`/${endpoint}`)).toEqual({ status: 200, type: 'text/plain; charset=utf-8', body: 'ok' });
      const verbose = await text(`/${endpoint}?verbose`);
      expect(verbose.body).toMatch(/^\[\+\]ping ok\n/);
      expect(verbose.body.endsWith(`${endpoint} check passed\n`)).toBe(true);
    }
    expect((await text('/readyz/etcd')).body).toBe('ok');
    expect((await text('/livez/nope')).status).toBe(404);
  });

  it('lists its paths at /', async () => {
    const root = await raw(h.server, 'GET', '/');
    expect(root.json.paths).toEqual(
      expect.arrayContaining(['/api', '/apis/resource.k8s.io/v1', '/openapi/v3', '/readyz', '/version']),
    );
  });

  it('allows every SelfSubjectAccessReview and answers who the client is', async () => {
    const access = await raw(h.server, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: { resourceAttributes: { verb: 'delete', resource: 'pods', namespace: 'default' } },
    });
    expect(access.status).toBe(201);
    expect(access.json).toMatchObject({
      kind: 'SelfSubjectAccessReview',
      spec: { resourceAttributes: { verb: 'delete', resource: 'pods' } },
      status: { allowed: true },
    });
    const rules = await raw(h.server, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', {
      spec: { namespace: 'default' },
    });
    expect(rules.json).toMatchObject({ status: { resourceRules: [{ verbs: ['*'] }], incomplete: false } });
    const who = await raw(h.server, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {});
    expect(who.json).toMatchObject({ status: { userInfo: { username: 'sim-admin' } } });
    // Reviews are create-only and never stored.
    expect((await raw(h.server, 'GET', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews')).status).toBe(405);
  });
});
