// The demo's writes to the simulated cluster, through the in-process store: the same objects, the
// same validation and the same watch events the controller sees over HTTP. Only the controller has to
// go through the kubeconfig; the story is the cluster's "other users" (driver, scheduler, admin).

import { type SimStore, seedCluster } from '../sim/index.js';
import { isObject, type JsonObject, type JsonValue } from '../sim/json.js';
import {
  claimNameOf,
  DEMO_DEVICES_PER_NODE,
  DEMO_DRIVER,
  DEMO_NAMESPACES,
  DEMO_NODES,
  type DemoPodPlan,
  deviceName,
  nodeName,
  sliceName,
  XID_TAINT_KEY,
} from './plan.js';

export const PODS = 'pods';
export const SLICES = 'resourceslices.resource.k8s.io';
export const CLAIMS = 'resourceclaims.resource.k8s.io';
export const RULES = 'devicetaintrules.resource.k8s.io';
export const EVENTS = 'events';
export const CONFIGMAPS = 'configmaps';

/** A created pod: its plan plus the UID the apiserver gave it. */
export interface DemoPod extends DemoPodPlan {
  readonly uid: string;
}

export interface DemoTaint {
  readonly key: string;
  readonly value: string;
  readonly effect: 'None' | 'NoSchedule' | 'NoExecute';
}

const uidOf = (obj: JsonObject): string => {
  const meta = obj.metadata;
  return isObject(meta) && typeof meta.uid === 'string' ? meta.uid : '';
};

/** Nodes, one slice per node and a DeviceClass (the sim's own seeding), then the planned pods and claims. */
export function seedDemoCluster(store: SimStore, plan: readonly DemoPodPlan[]): DemoPod[] {
  seedCluster(store, {
    nodes: DEMO_NODES,
    devicesPerNode: DEMO_DEVICES_PER_NODE,
    pods: 0,
    namespaces: DEMO_NAMESPACES.length,
    driver: DEMO_DRIVER,
  });
  return plan.map((p) => createPodWithClaim(store, p));
}

function createPodWithClaim(store: SimStore, p: DemoPodPlan): DemoPod {
  const node = nodeName(p.node);
  const claimName = claimNameOf(p);
  const pod = store.create(
    PODS,
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: p.name, namespace: p.namespace, labels: { app: 'trainer' } },
      spec: {
        nodeName: node,
        containers: [
          {
            name: 'main',
            image: 'nvcr.io/nvidia/cuda:12.4.1-base-ubuntu22.04',
            command: ['sleep', 'infinity'],
            resources: { claims: [{ name: 'gpu' }] },
          },
        ],
        resourceClaims: [{ name: 'gpu', resourceClaimName: claimName }],
      },
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
    },
    // The pod is already running: the scheduler and kubelet did their part before the story starts.
    { keepStatus: true },
  );
  const uid = uidOf(pod);
  const tolerations: JsonValue[] = [];
  if (p.toleration.kind !== 'none') {
    const t: JsonObject = { key: XID_TAINT_KEY, operator: 'Exists', effect: 'NoExecute' };
    if (p.toleration.kind === 'seconds') t.tolerationSeconds = p.toleration.seconds;
    tolerations.push(t);
  }
  const exactly: JsonObject = { deviceClassName: DEMO_DRIVER, allocationMode: 'ExactCount', count: 1 };
  // Only the allocation result's copy of the tolerations matters to the eviction controller (docs/behaviour.md §1.2).
  const result: JsonObject = { request: 'gpu', driver: DEMO_DRIVER, pool: node, device: deviceName(p.device) };
  if (tolerations.length > 0) {
    exactly.tolerations = tolerations;
    result.tolerations = tolerations;
  }
  store.create(
    CLAIMS,
    {
      apiVersion: 'resource.k8s.io/v1',
      kind: 'ResourceClaim',
      metadata: { name: claimName, namespace: p.namespace },
      spec: { devices: { requests: [{ name: 'gpu', exactly }] } },
      status: {
        allocation: { devices: { results: [result] } },
        reservedFor: [{ resource: 'pods', name: p.name, uid }],
      },
    },
    { keepStatus: true },
  );
  return { ...p, uid };
}

/**
 * What the GPU driver does on a health event: republish the node's slice with a taint on one device.
 * Returns the taint's `timeAdded` as the apiserver stamped it (ms; second precision, as metav1.Time).
 */
export function taintDevice(store: SimStore, node: number, device: number, taint: DemoTaint): number {
  const slice = store.get(SLICES, '', sliceName(node));
  if (slice === undefined) throw new Error(`ResourceSlice ${sliceName(node)} not found`);
  const spec = slice.spec;
  const devices = isObject(spec) && Array.isArray(spec.devices) ? spec.devices : [];
  const target = devices.find((d) => isObject(d) && d.name === deviceName(device));
  if (!isObject(target)) throw new Error(`device ${deviceName(device)} not published in ${sliceName(node)}`);
  const taints = Array.isArray(target.taints) ? target.taints : [];
  target.taints = [...taints, { key: taint.key, value: taint.value, effect: taint.effect }];
  const updated = store.update(SLICES, slice);
  const stamped = (isObject(updated.spec) && Array.isArray(updated.spec.devices) ? updated.spec.devices : [])
    .filter(isObject)
    .find((d) => d.name === deviceName(device))?.taints;
  const last = Array.isArray(stamped) ? stamped[stamped.length - 1] : undefined;
  return timeAddedOf(last);
}

/** An administrator's DeviceTaintRule over one node's pool. */
export function createPoolRule(store: SimStore, name: string, node: number, taint: DemoTaint): number {
  const rule = store.create(RULES, {
    apiVersion: 'resource.k8s.io/v1',
    kind: 'DeviceTaintRule',
    metadata: { name },
    spec: {
      deviceSelector: { driver: DEMO_DRIVER, pool: nodeName(node) },
      taint: { key: taint.key, value: taint.value, effect: taint.effect },
    },
  });
  return ruleTimeAdded(rule);
}

/**
 * A DeviceTaintRule with an empty selector, `deviceSelector: {}`: it selects every device in the cluster
 * (kubernetes#141422). Returns the taint's `timeAdded`.
 */
export function createClusterWideRule(store: SimStore, name: string, taint: DemoTaint): number {
  const rule = store.create(RULES, {
    apiVersion: 'resource.k8s.io/v1',
    kind: 'DeviceTaintRule',
    metadata: { name },
    spec: { deviceSelector: {}, taint: { key: taint.key, value: taint.value, effect: taint.effect } },
  });
  return ruleTimeAdded(rule);
}

/** `kubectl delete devicetaintrule <name>`. */
export function deleteRule(store: SimStore, name: string): void {
  store.delete(RULES, '', name);
}

/**
 * Changes the rule's effect, as `kubectl patch` would. The apiserver gives the taint a fresh
 * `timeAdded` because the effect changed (docs/behaviour.md §1.3); returns it.
 */
export function setRuleEffect(store: SimStore, name: string, effect: DemoTaint['effect']): number {
  const rule = store.patch(RULES, '', name, 'merge', { spec: { taint: { effect } } });
  return ruleTimeAdded(rule);
}

function ruleTimeAdded(rule: JsonObject): number {
  const spec = rule.spec;
  return timeAddedOf(isObject(spec) ? spec.taint : undefined);
}

function timeAddedOf(taint: JsonValue | undefined): number {
  const raw = isObject(taint) ? taint.timeAdded : undefined;
  const ms = typeof raw === 'string' ? Date.parse(raw) : Number.NaN;
  if (Number.isNaN(ms)) throw new Error('the apiserver did not stamp timeAdded on the taint');
  return ms;
}
