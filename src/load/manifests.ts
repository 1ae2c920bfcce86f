// The objects the generator writes, as raw JSON in the v1 shape of resource.k8s.io (v1beta2 has the
// same field layout). Pure functions: no I/O, so tests can assert on exactly what is sent.

import type { DeviceId } from '../shared/types.js';
import type { LoadToleration } from './types.js';

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'device-taint-evictor-load';
export const RUN_LABEL = 'load.device-taint-evictor.io/run';
/** Pod/claim label recording the toleration class, so a human can `kubectl get -l` the forever pods. */
export const TOLERATION_LABEL = 'load.device-taint-evictor.io/toleration';
export const CLAIM_REQUEST = 'gpu';

export const runLabels = (runId: string): Record<string, string> => ({
  [MANAGED_BY_LABEL]: MANAGED_BY,
  [RUN_LABEL]: runId,
});

export const runSelector = (runId: string): string => `${MANAGED_BY_LABEL}=${MANAGED_BY},${RUN_LABEL}=${runId}`;

export interface TaintSpec {
  readonly key: string;
  readonly value: string;
  readonly effect: string;
  /** RFC 3339 as the server stamped it; resent unchanged so a later patch does not restamp it. */
  readonly timeAdded?: string;
}

/**
 * A Node for clusters without one per synthetic pool. Annotated for KWOK, which then keeps it Ready;
 * without KWOK (or a similar fake kubelet) the node lifecycle controller eventually taints it
 * unreachable and the *node* taint manager evicts its pods, so only use it with KWOK.
 */
export function nodeManifest(name: string, labels: Readonly<Record<string, string>>): object {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: { ...labels, type: 'kwok', 'kubernetes.io/hostname': name },
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
    },
    spec: { taints: [{ key: 'kwok.x-k8s.io/node', value: 'fake', effect: 'NoSchedule' }] },
  };
}

export function sliceManifest(
  apiVersion: string,
  slice: { readonly name: string; readonly nodeName: string; readonly driver: string; readonly pool: string },
  devices: readonly { readonly name: string; readonly taints?: readonly TaintSpec[] }[],
  labels: Readonly<Record<string, string>>,
): object {
  return {
    apiVersion,
    kind: 'ResourceSlice',
    metadata: { name: slice.name, labels: { ...labels } },
    spec: {
      driver: slice.driver,
      pool: { name: slice.pool, generation: 1, resourceSliceCount: 1 },
      nodeName: slice.nodeName,
      devices: devices.map((d) => devicePatch(d.name, d.taints ?? [])),
    },
  };
}

/**
 * One entry of `spec.devices`. A merge patch replaces the whole list, so storms always send every device
 * of the slice; `timeAdded` is left out for the API server to stamp.
 */
export function devicePatch(name: string, taints: readonly TaintSpec[]): object {
  const device: Record<string, unknown> = {
    name,
    attributes: { index: { int: Number.parseInt(name.replace(/^\D+/, ''), 10) || 0 } },
  };
  if (taints.length > 0)
    device.taints = taints.map((t) => ({
      key: t.key,
      value: t.value,
      effect: t.effect,
      ...(t.timeAdded !== undefined ? { timeAdded: t.timeAdded } : {}),
    }));
  return device;
}

export function claimManifest(
  apiVersion: string,
  namespace: string,
  name: string,
  deviceClassName: string,
  labels: Readonly<Record<string, string>>,
): object {
  return {
    apiVersion,
    kind: 'ResourceClaim',
    metadata: { namespace, name, labels: { ...labels } },
    spec: { devices: { requests: [{ name: CLAIM_REQUEST, exactly: { deviceClassName } }] } },
  };
}

/** The allocation-result toleration for `taintKey`, or none. Effect NoExecute: only that one counts for eviction. */
export function allocationTolerations(toleration: LoadToleration, taintKey: string): object[] {
  switch (toleration.kind) {
    case 'none':
      return [];
    case 'seconds':
      return [{ key: taintKey, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: toleration.seconds }];
    case 'forever':
      return [{ key: taintKey, operator: 'Exists', effect: 'NoExecute' }];
  }
}

/** Status subresource merge patch: allocated to `device`, reserved for the pod (what the scheduler writes). */
export function claimStatusPatch(
  device: DeviceId,
  toleration: LoadToleration,
  taintKey: string,
  pod: { readonly name: string; readonly uid: string },
): object {
  const tolerations = allocationTolerations(toleration, taintKey);
  return {
    status: {
      allocation: {
        devices: {
          results: [
            {
              request: CLAIM_REQUEST,
              driver: device.driver,
              pool: device.pool,
              device: device.device,
              ...(tolerations.length > 0 ? { tolerations } : {}),
            },
          ],
        },
      },
      reservedFor: [{ resource: 'pods', name: pod.name, uid: pod.uid }],
    },
  };
}

export function podManifest(
  namespace: string,
  name: string,
  nodeName: string,
  claimName: string,
  labels: Readonly<Record<string, string>>,
): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { namespace, name, labels: { ...labels } },
    spec: {
      // Bound already: the generator plays the scheduler, so no scheduler or kubelet is needed.
      nodeName,
      terminationGracePeriodSeconds: 0,
      containers: [
        {
          name: 'workload',
          image: 'registry.k8s.io/pause:3.10',
          resources: { claims: [{ name: CLAIM_REQUEST }] },
        },
      ],
      resourceClaims: [{ name: CLAIM_REQUEST, resourceClaimName: claimName }],
    },
  };
}

export function ruleManifest(
  apiVersion: string,
  name: string,
  driver: string,
  taint: TaintSpec,
  labels: Readonly<Record<string, string>>,
): object {
  return {
    apiVersion,
    kind: 'DeviceTaintRule',
    metadata: { name, labels: { ...labels } },
    spec: { deviceSelector: { driver }, taint: { key: taint.key, value: taint.value, effect: taint.effect } },
  };
}
