// Populates a store with a cluster shaped like NVIDIA's DRA GPU driver publishes it: one
// ResourceSlice per node (pool = node name, devices gpu-0…gpu-N), a DeviceClass, and running pods
// each holding one allocated, reserved ResourceClaim on their node. Deterministic for a given seed.

import { seededRandom } from '../shared/random.js';
import type { JsonObject } from './json.js';
import { formatTime, type SimStore } from './store.js';

export interface SeedOptions {
  readonly nodes: number;
  /** Default 8 (gpu-0 … gpu-7). */
  readonly devicesPerNode?: number;
  readonly pods: number;
  /** Pod namespaces `team-00` …; default 10. */
  readonly namespaces?: number;
  /** Fraction of claims whose allocation tolerates `gpu.nvidia.com/xid` NoExecute taints; default 0. */
  readonly toleratingRatio?: number;
  /** tolerationSeconds of those tolerations; `null` = tolerate forever. Default 300. */
  readonly tolerationSeconds?: number | null;
  /** Fraction of pods whose claim comes from a template (owned by the pod, named in pod status); the rest use a named claim. Default 0.8. */
  readonly templateRatio?: number;
  /**
   * Fraction of devices that carry an informational XID taint (`gpu.nvidia.com/xid`, effect None), as
   * NVIDIA's driver publishes for non-fatal GPU health events; default 0.
   */
  readonly noneTaintRatio?: number;
  /** Default 'gpu.nvidia.com'. */
  readonly driver?: string;
  /** PRNG seed; default 1. */
  readonly seed?: number;
  /** Called every 10,000 pods (progress bars). */
  readonly onProgress?: (podsDone: number) => void;
}

export interface SeedSummary {
  readonly namespaces: number;
  readonly nodes: number;
  readonly slices: number;
  readonly devices: number;
  readonly claims: number;
  readonly pods: number;
  readonly toleratingPods: number;
  readonly templatePods: number;
  /** Devices published with an informational (effect None) taint. */
  readonly noneTaintedDevices: number;
  /** The store's resourceVersion after seeding (list from here to skip the seed events). */
  readonly resourceVersion: number;
  readonly durationMs: number;
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

export const seedNodeName = (i: number): string => `gpu-node-${pad(i, 4)}`;
export const seedNamespaceName = (i: number): string => `team-${pad(i, 2)}`;

function deviceAttributes(index: number, node: number): JsonObject {
  return {
    type: { string: 'gpu' },
    index: { int: index },
    uuid: { string: `GPU-${pad(node, 8)}-${pad(index, 4)}-4a1e-9c1f-${pad(node * 8 + index, 12)}` },
    productName: { string: 'NVIDIA H100 80GB HBM3' },
    brand: { string: 'Nvidia' },
    architecture: { string: 'Hopper' },
    cudaComputeCapability: { version: '9.0.0' },
    driverVersion: { version: '550.54.15' },
    cudaDriverVersion: { version: '12.4.0' },
    pcieBusID: { string: `0000:${pad(index * 16 + 0x18, 2)}:00.0` },
  };
}

export function seedCluster(store: SimStore, opts: SeedOptions): SeedSummary {
  const started = performance.now();
  const driver = opts.driver ?? 'gpu.nvidia.com';
  const devicesPerNode = opts.devicesPerNode ?? 8;
  const namespaceCount = Math.max(1, opts.namespaces ?? 10);
  const toleratingRatio = opts.toleratingRatio ?? 0;
  const tolerationSeconds = opts.tolerationSeconds === undefined ? 300 : opts.tolerationSeconds;
  const templateRatio = opts.templateRatio ?? 0.8;
  const random = seededRandom(opts.seed ?? 1);
  const noneTaintRatio = opts.noneTaintRatio ?? 0;
  let noneTainted = 0;
  const now = formatTime(store.clock());

  const namespaces: string[] = [];
  for (let i = 0; i < namespaceCount; i++) {
    namespaces.push(seedNamespaceName(i));
    store.ensureNamespace(seedNamespaceName(i));
  }

  if (store.getEntry('deviceclasses.resource.k8s.io', '', driver) === undefined) {
    store.create('deviceclasses.resource.k8s.io', {
      apiVersion: 'resource.k8s.io/v1',
      kind: 'DeviceClass',
      metadata: { name: driver },
      spec: { selectors: [{ cel: { expression: `device.driver == '${driver}'` } }] },
    });
  }

  // Device capacity is shared by reference: the store serializes, it never mutates inputs.
  const capacity: JsonObject = { memory: { value: '80Gi' } };
  for (let n = 0; n < opts.nodes; n++) {
    const node = seedNodeName(n);
    store.create(
      'nodes',
      {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: node, labels: { 'kubernetes.io/hostname': node, 'nvidia.com/gpu.present': 'true' } },
        spec: {},
        status: {
          conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastTransitionTime: now }],
          capacity: { cpu: '96', memory: '1056Gi', pods: '110' },
        },
      },
      { keepStatus: true },
    );
    const devices: JsonObject[] = [];
    for (let d = 0; d < devicesPerNode; d++) {
      const device: JsonObject = { name: `gpu-${d}`, attributes: deviceAttributes(d, n), capacity };
      if (noneTaintRatio > 0 && random() < noneTaintRatio) {
        // XID 13 (graphics engine exception) is informational: visible to admins, evicts nobody.
        device.taints = [{ key: 'gpu.nvidia.com/xid', value: '13', effect: 'None' }];
        noneTainted++;
      }
      devices.push(device);
    }
    store.create('resourceslices.resource.k8s.io', {
      apiVersion: 'resource.k8s.io/v1',
      kind: 'ResourceSlice',
      metadata: { name: `${node}-${driver}` },
      spec: { driver, nodeName: node, pool: { name: node, generation: 1, resourceSliceCount: 1 }, devices },
    });
  }

  let tolerating = 0;
  let templates = 0;
  for (let i = 0; i < opts.pods; i++) {
    const namespace = namespaces[i % namespaceCount]!;
    const nodeIndex = opts.nodes > 0 ? i % opts.nodes : 0;
    const node = opts.nodes > 0 ? seedNodeName(nodeIndex) : '';
    // Pods per node beyond devicesPerNode share devices: the controller does not check exclusivity.
    const device = `gpu-${Math.floor(i / Math.max(1, opts.nodes)) % Math.max(1, devicesPerNode)}`;
    const podName = `trainer-${pad(i, 6)}`;
    const fromTemplate = random() < templateRatio;
    const tolerates = random() < toleratingRatio;
    const claimName = fromTemplate ? `${podName}-gpu-${Math.floor(random() * 0xfffff).toString(36)}` : `${podName}-gpu`;
    const podClaim: JsonObject = fromTemplate
      ? { name: 'gpu', resourceClaimTemplateName: 'gpu-template' }
      : { name: 'gpu', resourceClaimName: claimName };
    const status: JsonObject = {
      phase: 'Running',
      conditions: [
        { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
        { type: 'Ready', status: 'True', lastTransitionTime: now },
      ],
      hostIP: `10.0.${nodeIndex >> 8}.${nodeIndex & 255}`,
      podIP: `10.${128 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`,
      startTime: now,
      qosClass: 'BestEffort',
    };
    if (fromTemplate) status.resourceClaimStatuses = [{ name: 'gpu', resourceClaimName: claimName }];
    const pod = store.create(
      'pods',
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: podName,
          namespace,
          labels: { app: `trainer-${i % 50}`, 'sim.device-taint-evictor/seeded': 'true' },
        },
        spec: {
          nodeName: node,
          schedulerName: 'default-scheduler',
          restartPolicy: 'Always',
          terminationGracePeriodSeconds: 30,
          containers: [
            {
              name: 'main',
              image: 'nvcr.io/nvidia/cuda:12.4.1-base-ubuntu22.04',
              command: ['sleep', 'infinity'],
              resources: { claims: [{ name: 'gpu' }] },
            },
          ],
          resourceClaims: [podClaim],
        },
        status,
      },
      { keepStatus: true },
    );
    const podUid = String((pod.metadata as JsonObject).uid);
    let tolerations: JsonObject[] | undefined;
    if (tolerates) {
      const toleration: JsonObject = { key: 'gpu.nvidia.com/xid', operator: 'Exists', effect: 'NoExecute' };
      if (tolerationSeconds !== null) toleration.tolerationSeconds = tolerationSeconds;
      tolerations = [toleration];
    }
    const exactly: JsonObject = { deviceClassName: driver, allocationMode: 'ExactCount', count: 1 };
    const result: JsonObject = { request: 'gpu', driver, pool: node, device };
    if (tolerations !== undefined) {
      exactly.tolerations = tolerations;
      result.tolerations = tolerations;
      tolerating++;
    }
    const metadata: JsonObject = { name: claimName, namespace };
    if (fromTemplate) {
      templates++;
      metadata.annotations = { 'resource.kubernetes.io/pod-claim-name': 'gpu' };
      metadata.ownerReferences = [
        { apiVersion: 'v1', kind: 'Pod', name: podName, uid: podUid, controller: true, blockOwnerDeletion: true },
      ];
    }
    store.create(
      'resourceclaims.resource.k8s.io',
      {
        apiVersion: 'resource.k8s.io/v1',
        kind: 'ResourceClaim',
        metadata,
        spec: { devices: { requests: [{ name: 'gpu', exactly }] } },
        status: {
          allocation: {
            devices: { results: [result] },
            nodeSelector: {
              nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] }],
            },
          },
          reservedFor: [{ resource: 'pods', name: podName, uid: podUid }],
        },
      },
      { keepStatus: true },
    );
    if (opts.onProgress !== undefined && (i + 1) % 10_000 === 0) opts.onProgress(i + 1);
  }

  return {
    namespaces: namespaceCount,
    nodes: opts.nodes,
    slices: opts.nodes,
    devices: opts.nodes * devicesPerNode,
    claims: opts.pods,
    pods: opts.pods,
    toleratingPods: tolerating,
    templatePods: templates,
    noneTaintedDevices: noneTainted,
    resourceVersion: store.resourceVersion,
    durationMs: performance.now() - started,
  };
}
