// The answers the controller's write path branches on, checked field by field against what
// kube-apiserver sends (each expectation names the upstream code it follows).

import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, podManifest, raw, startHarness } from './helpers.js';

const POD_STATUS = '/api/v1/namespaces/default/pods';
const RULES = '/apis/resource.k8s.io/v1/devicetaintrules';

describe('simulated apiserver: UID preconditions, immutable UIDs and Retry-After', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.server.close();
  });

  async function pod(name: string): Promise<{ uid: string; rv: string }> {
    const created = await h.core.createNamespacedPod({ namespace: 'default', body: podManifest(name) });
    return { uid: created.metadata!.uid!, rv: created.metadata!.resourceVersion! };
  }

  const immutableUid = (kindQualified: string, name: string, uid: string) =>
    `${kindQualified} "${name}" is invalid: metadata.uid: Invalid value: "${uid}": field is immutable`;

  it.each([
    ['strategic', 'application/strategic-merge-patch+json'],
    ['merge', 'application/merge-patch+json'],
  ])(
    'a %s patch of pods/status with another metadata.uid is 422 Invalid (rest.BeforeUpdate), nothing written',
    async (_t, type) => {
      const name = `uid-${_t}`;
      const { rv } = await pod(name);
      const res = await raw(
        h.server,
        'PATCH',
        `${POD_STATUS}/${name}/status`,
        { metadata: { uid: 'someone-else' }, status: { conditions: [{ type: 'DisruptionTarget', status: 'True' }] } },
        type,
      );
      expect(res.status).toBe(422);
      expect(res.json).toEqual({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: immutableUid('Pod', name, 'someone-else'),
        reason: 'Invalid',
        details: {
          name,
          kind: 'Pod',
          causes: [
            {
              reason: 'FieldValueInvalid',
              message: 'Invalid value: "someone-else": field is immutable',
              field: 'metadata.uid',
            },
          ],
        },
        code: 422,
      });
      const stored = h.server.store.get('pods', 'default', name) as { metadata: { resourceVersion: string } };
      expect(stored.metadata.resourceVersion).toBe(rv);
    },
  );

  it('a JSON patch that replaces metadata.uid on the main resource is 422 too', async () => {
    await pod('uid-json');
    const res = await raw(
      h.server,
      'PATCH',
      `${POD_STATUS}/uid-json`,
      [{ op: 'replace', path: '/metadata/uid', value: 'other' }],
      'application/json-patch+json',
    );
    expect(res.status).toBe(422);
    expect(res.json.message).toBe(immutableUid('Pod', 'uid-json', 'other'));
  });

  it('a patch naming the right UID succeeds; a patch of a missing object stays 404', async () => {
    const { uid } = await pod('uid-ok');
    const ok = await raw(
      h.server,
      'PATCH',
      `${POD_STATUS}/uid-ok/status`,
      { metadata: { uid }, status: { phase: 'Running' } },
      'application/strategic-merge-patch+json',
    );
    expect(ok.status).toBe(200);
    const missing = await raw(
      h.server,
      'PATCH',
      `${POD_STATUS}/never-was/status`,
      { metadata: { uid }, status: { phase: 'Running' } },
      'application/strategic-merge-patch+json',
    );
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ reason: 'NotFound', message: 'pods "never-was" not found' });
  });

  it('names a group-qualified kind for DeviceTaintRule status patches (GroupKind.String)', async () => {
    await raw(h.server, 'POST', RULES, {
      metadata: { name: 'r-uid' },
      spec: { taint: { key: 'k', effect: 'None' } },
    });
    const res = await raw(
      h.server,
      'PATCH',
      `${RULES}/r-uid/status`,
      { metadata: { uid: 'x' }, status: { conditions: [] } },
      'application/merge-patch+json',
    );
    expect(res.status).toBe(422);
    expect(res.json).toMatchObject({
      message: immutableUid('DeviceTaintRule.resource.k8s.io', 'r-uid', 'x'),
      details: { name: 'r-uid', group: 'resource.k8s.io', kind: 'DeviceTaintRule' },
    });
  });

  it('server-side apply creating an object but naming a UID is 409 "uid mismatch" (patcher.applyPatch)', async () => {
    const res = await raw(
      h.server,
      'PATCH',
      `${RULES}/r-apply?fieldManager=m`,
      JSON.stringify({
        apiVersion: 'resource.k8s.io/v1',
        kind: 'DeviceTaintRule',
        metadata: { name: 'r-apply', uid: 'u-1' },
      }),
      'application/apply-patch+yaml',
    );
    expect(res.status).toBe(409);
    expect(res.json.message).toBe(
      'Operation cannot be fulfilled on devicetaintrules.resource.k8s.io "r-apply": uid mismatch: the provided object specified uid u-1, and no existing object was found',
    );
  });

  it('a PUT carrying another UID is 409 with the storage precondition text (defaultUpdatedObjectInfo.Preconditions)', async () => {
    const { uid } = await pod('put-uid');
    const current = await h.core.readNamespacedPod({ name: 'put-uid', namespace: 'default' });
    const body = { ...current, metadata: { ...current.metadata, uid: 'not-mine' } };
    const res = await raw(h.server, 'PUT', `${POD_STATUS}/put-uid`, body);
    expect(res.status).toBe(409);
    expect(res.json).toMatchObject({
      reason: 'Conflict',
      message: `Operation cannot be fulfilled on pods "put-uid": StorageError: invalid object, Code: 4, Key: /registry/pods/default/put-uid, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: UID in precondition: not-mine, UID in object meta: ${uid}`,
      details: { name: 'put-uid', kind: 'pods' },
    });
    const stale = await raw(h.server, 'PUT', `${POD_STATUS}/put-uid`, {
      ...current,
      metadata: { ...current.metadata, resourceVersion: '1' },
    });
    expect(stale.status).toBe(409);
    expect(stale.json.message).toBe(
      'Operation cannot be fulfilled on pods "put-uid": the object has been modified; please apply your changes to the latest version and try again',
    );
  });

  it("DELETE preconditions answer 409 with rest.BeforeDelete's wording and the Kind as resource", async () => {
    const { uid, rv } = await pod('del');
    const wrongUid = await raw(h.server, 'DELETE', `${POD_STATUS}/del`, { preconditions: { uid: 'u-other' } });
    expect(wrongUid.status).toBe(409);
    expect(wrongUid.json).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `Operation cannot be fulfilled on Pod "del": the UID in the precondition (u-other) does not match the UID in record (${uid}). The object might have been deleted and then recreated`,
      reason: 'Conflict',
      details: { name: 'del', kind: 'Pod' },
      code: 409,
    });
    const wrongRv = await raw(h.server, 'DELETE', `${POD_STATUS}/del`, { preconditions: { resourceVersion: '1' } });
    expect(wrongRv.status).toBe(409);
    expect(wrongRv.json.message).toBe(
      `Operation cannot be fulfilled on Pod "del": the ResourceVersion in the precondition (1) does not match the ResourceVersion in record (${rv}). The object might have been modified`,
    );
    expect(h.server.store.get('pods', 'default', 'del')).toBeDefined();
    const ok = await raw(h.server, 'DELETE', `${POD_STATUS}/del`, { preconditions: { uid, resourceVersion: rv } });
    expect(ok.status).toBe(200);
  });

  it('names rules by their group-qualified Kind in a DELETE precondition conflict', async () => {
    await raw(h.server, 'POST', RULES, { metadata: { name: 'r-del' }, spec: { taint: { key: 'k', effect: 'None' } } });
    const res = await raw(h.server, 'DELETE', `${RULES}/r-del`, { preconditions: { uid: 'nope' } });
    expect(res.status).toBe(409);
    expect(res.json).toMatchObject({
      message: expect.stringMatching(
        /^Operation cannot be fulfilled on DeviceTaintRule\.resource\.k8s\.io "r-del": the UID in the precondition \(nope\)/,
      ),
      details: { name: 'r-del', group: 'resource.k8s.io', kind: 'DeviceTaintRule' },
    });
  });

  it('an injected 429 looks like max-in-flight/APF: Retry-After: 1 and a plain-text body', async () => {
    h.server.setFaults({ verbs: { delete: { errorRate: 1, code: 429, resources: ['pods'] } } });
    try {
      const res = await fetch(`${h.server.url}${POD_STATUS}/x`, { method: 'DELETE' });
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(await res.text()).toBe('Too many requests, please try again later.\n');
    } finally {
      h.server.setFaults({});
    }
  });

  it('an injected 503 looks like the shutdown filter: Retry-After: 1 and a Status without details', async () => {
    h.server.setFaults({ verbs: { create: { errorRate: 1, code: 503 } } });
    try {
      const res = await raw(h.server, 'POST', `${POD_STATUS}`, podManifest('x'));
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(res.json).toEqual({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'apiserver is shutting down',
        reason: 'ServiceUnavailable',
        code: 503,
      });
    } finally {
      h.server.setFaults({});
    }
  });

  it('a handler-style Status error carries Retry-After exactly when details.retryAfterSeconds is set (ErrorNegotiated)', async () => {
    h.server.setFaults({ verbs: { patch: { errorRate: 1, code: 429, retryAfterSeconds: 3 } } });
    try {
      const res = await raw(h.server, 'PATCH', `${POD_STATUS}/x`, {}, 'application/merge-patch+json');
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('3');
      expect(res.json).toMatchObject({ kind: 'Status', reason: 'TooManyRequests', details: { retryAfterSeconds: 3 } });
      h.server.setFaults({ verbs: { patch: { errorRate: 1, code: 503, source: 'handler' } } });
      const plain = await raw(h.server, 'PATCH', `${POD_STATUS}/x`, {}, 'application/merge-patch+json');
      expect(plain.status).toBe(503);
      expect(plain.headers.get('retry-after')).toBeNull();
      expect(plain.json.details).toBeUndefined();
      h.server.setFaults({ verbs: { patch: { errorRate: 1, code: 500 } } });
      const internal = await raw(h.server, 'PATCH', `${POD_STATUS}/x`, {}, 'application/merge-patch+json');
      expect(internal.headers.get('retry-after')).toBeNull();
      expect(internal.json).toMatchObject({
        reason: 'InternalError',
        message: 'Internal error occurred: injected fault (patch pods)',
        details: { causes: [{ message: 'injected fault (patch pods)' }] },
      });
    } finally {
      h.server.setFaults({});
    }
  });

  it('client-node sees the 422 as a rejected patch (the code the executor branches on)', async () => {
    await pod('via-client');
    const err = await h.core
      .patchNamespacedPodStatus(
        { name: 'via-client', namespace: 'default', body: { metadata: { uid: 'gone' }, status: {} } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch),
      )
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 422 });
  });
});
