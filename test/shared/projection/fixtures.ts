// Raw API objects and result helpers shared by the projection tests (one test file per kind).

import type { Projection } from '../../../src/shared/projection/projector.js';

export const T0 = '2000-01-01T00:00:00Z';
export const T0_MS = Date.UTC(2000, 0, 1);

export function ok<T>(r: Projection<T>): T {
  if (!r.ok) throw new Error(`expected ok, got error: ${r.error}`);
  return r.value;
}

export function err<T>(r: Projection<T>): { error: string; key: string | null } {
  if (r.ok) throw new Error(`expected an error, got ${JSON.stringify(r.value)}`);
  return r;
}

export const pod = () => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'my-pod',
    namespace: 'default',
    uid: '1234',
    resourceVersion: '42',
    labels: { app: 'x' },
    annotations: { big: 'x'.repeat(100) },
  },
  spec: {
    nodeName: 'worker',
    containers: [{ name: 'c', image: 'busybox' }],
    resourceClaims: [
      { name: 'by-name', resourceClaimName: 'my-pod-my-resource' },
      { name: 'by-template', resourceClaimTemplateName: 'tmpl' },
    ],
    schedulingGroup: { podGroupName: 'my-podgroup' },
  },
  status: {
    phase: 'Running',
    resourceClaimStatuses: [
      { name: 'by-template', resourceClaimName: 'my-pod-by-template-abc' },
      { name: 'none', resourceClaimName: null },
      { name: 'omitted' },
    ],
    extendedResourceClaimStatus: { resourceClaimName: 'ext-claim', requestMappings: [] },
  },
});

export const claim = () => ({
  apiVersion: 'resource.k8s.io/v1',
  kind: 'ResourceClaim',
  metadata: {
    name: 'my-pod-my-resource',
    namespace: 'default',
    uid: 'c-1',
    resourceVersion: '7',
    ownerReferences: [
      { apiVersion: 'v1', kind: 'ReplicaSet', name: 'rs', uid: 'not-controller' },
      { apiVersion: 'v1', kind: 'Pod', name: 'my-pod', uid: '1234', controller: true, blockOwnerDeletion: true },
    ],
  },
  spec: { devices: { requests: [{ name: 'req-1', exactly: { deviceClassName: 'my-resource-class' } }] } },
  status: {
    allocation: {
      devices: {
        results: [
          {
            request: 'req-1',
            driver: 'some-driver',
            pool: 'worker',
            device: 'instance',
            tolerations: [
              {
                key: 'example.com/taint',
                operator: 'Equal',
                value: 'something',
                effect: 'NoExecute',
                tolerationSeconds: 3600,
              },
              { operator: 'Exists', effect: 'NoExecute' },
            ],
          },
          { request: 'req-1', driver: 'some-driver', pool: 'worker', device: 'instance-2' },
        ],
      },
      nodeSelector: { nodeSelectorTerms: [] },
    },
    reservedFor: [
      { resource: 'pods', name: 'my-pod', uid: '1234' },
      { apiGroup: 'scheduling.k8s.io', resource: 'podgroups', name: 'g', uid: '5678' },
    ],
  },
});

export const flatSlice = (apiVersion: string) => ({
  apiVersion,
  kind: 'ResourceSlice',
  metadata: { name: 'worker-some-driver-abc', uid: 's-1', resourceVersion: '9', generation: 3 },
  spec: {
    driver: 'some-driver',
    nodeName: 'worker',
    pool: { name: 'worker', generation: 2, resourceSliceCount: 1 },
    devices: [
      { name: 'instance', attributes: { model: { string: 'x' } } },
      { name: 'instance-no-schedule', taints: [{ key: 'example.com/taint', effect: 'NoSchedule' }] },
      {
        name: 'instance-no-execute',
        taints: [
          { key: 'example.com/taint', value: 'something', effect: 'None', timeAdded: T0 },
          { key: 'example.com/taint', value: 'something', effect: 'NoExecute', timeAdded: '2000-01-01T00:00:01.5Z' },
          { key: 'example.com/odd', effect: 'unknown-effect', timeAdded: T0 },
        ],
      },
    ],
  },
});

export const beta1Slice = () => ({
  apiVersion: 'resource.k8s.io/v1beta1',
  kind: 'ResourceSlice',
  metadata: { name: 'old-slice', uid: 's-2', resourceVersion: '10' },
  spec: {
    driver: 'gpu.nvidia.com',
    nodeName: 'node-1',
    pool: { name: 'node-1', generation: 1, resourceSliceCount: 1 },
    devices: [
      {
        name: 'gpu-0',
        basic: {
          attributes: {},
          taints: [{ key: 'gpu.nvidia.com/xid', value: '79', effect: 'NoExecute', timeAdded: T0 }],
        },
      },
      { name: 'gpu-1', basic: {} },
      { name: 'future-device-type', composite: { whatever: true } },
    ],
  },
});

export const rule = (apiVersion: string, selector?: unknown) => ({
  apiVersion,
  kind: 'DeviceTaintRule',
  metadata: { name: 'evict', uid: 'r-1', resourceVersion: '11', generation: 2 },
  spec: {
    ...(selector === undefined ? {} : { deviceSelector: selector }),
    taint: { key: 'example.com/taint', value: 'something', effect: 'NoExecute', timeAdded: T0 },
  },
  status: {
    conditions: [
      {
        type: 'EvictionInProgress',
        status: 'True',
        reason: 'PodsPendingEviction',
        message: '1 pod needs to be evicted in 1 namespace.',
        observedGeneration: 2,
        lastTransitionTime: T0,
      },
    ],
  },
});
