// projectPod: the pod fields the decisions read, and the shape errors of the ones that are malformed.

import { describe, expect, it } from 'vitest';
import { projectPod } from '../../../src/shared/projection/pod.js';
import { err, ok, pod, T0, T0_MS } from './fixtures.js';

describe('projectPod', () => {
  it('keeps exactly the fields the decision needs', () => {
    expect(ok(projectPod(pod()))).toEqual({
      namespace: 'default',
      name: 'my-pod',
      uid: '1234',
      resourceVersion: '42',
      nodeName: 'worker',
      deletionTimestamp: null,
      disruptionTargetSet: false,
      resourceClaims: [
        {
          name: 'by-name',
          resourceClaimName: 'my-pod-my-resource',
          resourceClaimTemplateName: null,
          podGroupResourceClaim: null,
        },
        {
          name: 'by-template',
          resourceClaimName: null,
          resourceClaimTemplateName: 'tmpl',
          podGroupResourceClaim: null,
        },
      ],
      resourceClaimStatuses: [
        { name: 'by-template', resourceClaimName: 'my-pod-by-template-abc' },
        { name: 'none', resourceClaimName: null },
        { name: 'omitted', resourceClaimName: null },
      ],
      extendedResourceClaimName: 'ext-claim',
      podGroupName: 'my-podgroup',
    });
  });

  it('notices our DisruptionTarget condition, and only ours and only when True', () => {
    const withConditions = (conditions: unknown) => {
      const raw = pod();
      (raw.status as Record<string, unknown>).conditions = conditions;
      return ok(projectPod(raw)).disruptionTargetSet;
    };
    const ours = { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByDeviceTaintManager', message: 'm' };
    expect(withConditions([{ type: 'Ready', status: 'True' }, ours])).toBe(true);
    expect(withConditions([{ ...ours, status: 'False' }])).toBe(false);
    // The node taint manager's reason (or a Job's, or the eviction API's) is somebody else's condition.
    expect(withConditions([{ ...ours, reason: 'DeletionByTaintManager' }])).toBe(false);
    expect(withConditions([{ ...ours, reason: 'EvictionByEvictionAPI' }])).toBe(false);
    // Malformed condition lists are not ours to judge: the pod is projected, the flag stays off.
    expect(withConditions('garbage')).toBe(false);
    expect(withConditions([null, 7, ours])).toBe(true);
  });

  it('defaults an unscheduled pod without claims', () => {
    const p = ok(projectPod({ metadata: { name: 'p', namespace: 'ns', uid: 'u', deletionTimestamp: T0 } }));
    expect(p).toMatchObject({
      nodeName: '',
      deletionTimestamp: T0_MS,
      resourceClaims: [],
      resourceClaimStatuses: [],
      extendedResourceClaimName: null,
      podGroupName: null,
      resourceVersion: '',
    });
  });

  it('rejects malformed pods with a path and, when possible, the key', () => {
    expect(err(projectPod({ metadata: { name: 'p', namespace: 'ns' } }))).toEqual({
      ok: false,
      error: '$.metadata.uid: required',
      key: 'ns/p',
    });
    expect(err(projectPod({ metadata: { name: 'p', uid: 'u' } })).error).toBe('$.metadata.namespace: required');
    const bad = pod() as Record<string, unknown>;
    (bad.spec as Record<string, unknown>).resourceClaims = 'garbage';
    expect(err(projectPod(bad))).toMatchObject({
      error: '$.spec.resourceClaims: expected array, got string',
      key: 'default/my-pod',
    });
    const badTime = pod();
    (badTime.metadata as Record<string, unknown>).deletionTimestamp = 'yesterday';
    expect(err(projectPod(badTime)).error).toMatch(/deletionTimestamp: not an RFC 3339 timestamp/);
    expect(err(projectPod(null))).toEqual({ ok: false, error: '$: expected object, got null', key: null });
    expect(err(projectPod([])).error).toBe('$: expected object, got array');
  });

  it('does not mistake inherited properties for fields', () => {
    const r = projectPod({ metadata: { name: 'constructor', namespace: 'toString', uid: 'u' }, spec: {} });
    expect(ok(r).name).toBe('constructor');
    expect(err(projectPod(JSON.parse('{"metadata":{"name":"p","namespace":"n","__proto__":{"uid":"u"}}}'))).error).toBe(
      '$.metadata.uid: required',
    );
  });
});
