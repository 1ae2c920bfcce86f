// The cluster a storm hits: one ResourceSlice per node (pool = node name, devices gpu-0..gpu-N), and per
// pod an allocated, reserved ResourceClaim plus a Pod bound to the node. The generator plays scheduler and
// DRA driver, so the only actor that may delete these pods during a run is the eviction controller.

import { seededRandom, shuffled } from '../shared/random.js';
import { runBounded } from './bounded.js';
import type { LoadCluster } from './cluster.js';
import { arrayField } from './json.js';
import {
  claimManifest,
  claimStatusPatch,
  nodeManifest,
  podManifest,
  runLabels,
  sliceManifest,
  TOLERATION_LABEL,
} from './manifests.js';
import type { LoadOptions } from './options.js';
import type { LoadPod, LoadSlice, LoadToleration } from './types.js';

/** A pod to create: everything but the server-assigned UID. */
export type PodPlan = Omit<LoadPod, 'uid'>;

export interface PopulationPlan {
  readonly runId: string;
  /** Create a Node object per synthetic node name (see nodeManifest). */
  readonly createNodes: boolean;
  readonly namespace: string;
  readonly driver: string;
  readonly taintKey: string;
  readonly slices: readonly LoadSlice[];
  readonly pods: readonly PodPlan[];
}

export interface Population {
  readonly runId: string;
  readonly namespace: string;
  readonly slices: readonly LoadSlice[];
  readonly pods: readonly LoadPod[];
}

/**
 * Exactly `round(n × ratio)` pods per toleration class (not a coin flip per pod), so a run with
 * `--forever-ratio 0.1` over 100 pods really has 10 pods that must survive; which ones is seeded.
 */
export function planTolerations(
  count: number,
  tolerationRatio: number,
  tolerationSeconds: number,
  foreverRatio: number,
  seed: number,
): LoadToleration[] {
  const withSeconds = Math.round(count * tolerationRatio);
  const forever = Math.min(count - withSeconds, Math.round(count * foreverRatio));
  const classes: LoadToleration[] = [];
  for (let i = 0; i < count; i++) {
    if (i < withSeconds) classes.push({ kind: 'seconds', seconds: tolerationSeconds });
    else if (i < withSeconds + forever) classes.push({ kind: 'forever' });
    else classes.push({ kind: 'none' });
  }
  return shuffled(classes, seededRandom(seed));
}

/** One pod's toleration class drawn by the ratios: for pods created one at a time (churn). */
export function drawToleration(
  random: () => number,
  opts: Pick<LoadOptions, 'tolerationRatio' | 'tolerationSeconds' | 'foreverRatio'>,
): LoadToleration {
  const r = random();
  if (r < opts.tolerationRatio) return { kind: 'seconds', seconds: opts.tolerationSeconds };
  if (r < opts.tolerationRatio + opts.foreverRatio) return { kind: 'forever' };
  return { kind: 'none' };
}

export const nodeName = (prefix: string, index: number): string => `${prefix}-${index}`;
export const deviceName = (index: number): string => `gpu-${index}`;

export function planPopulation(
  opts: Pick<
    LoadOptions,
    | 'namespace'
    | 'pods'
    | 'nodes'
    | 'devicesPerNode'
    | 'nodePrefix'
    | 'driver'
    | 'taintKey'
    | 'tolerationRatio'
    | 'tolerationSeconds'
    | 'foreverRatio'
    | 'seed'
    | 'createNodes'
  >,
  runId: string,
): PopulationPlan {
  const nodeCount = opts.nodes ?? Math.ceil(opts.pods / opts.devicesPerNode);
  const devices = Array.from({ length: opts.devicesPerNode }, (_, i) => deviceName(i));
  const slices: LoadSlice[] = Array.from({ length: nodeCount }, (_, i) => {
    const node = nodeName(opts.nodePrefix, i);
    return { name: `${node}-${runId}`, nodeName: node, driver: opts.driver, pool: node, devices };
  });
  const tolerations = planTolerations(
    opts.pods,
    opts.tolerationRatio,
    opts.tolerationSeconds,
    opts.foreverRatio,
    opts.seed,
  );
  // Round-robin over nodes first, so k lost nodes hit about k/nodes of the pods. With more pods than
  // devices, devices are shared: the controller does not check exclusivity and neither do we.
  const pods: PodPlan[] = tolerations.map((toleration, i) => {
    const slice = slices[i % nodeCount] as LoadSlice;
    const name = `pod-${runId}-${i}`;
    return {
      namespace: opts.namespace,
      name,
      claimName: `${name}-gpu`,
      nodeName: slice.nodeName,
      device: {
        driver: opts.driver,
        pool: slice.pool,
        device: devices[Math.floor(i / nodeCount) % devices.length] ?? 'gpu-0',
      },
      toleration,
    };
  });
  return {
    runId,
    createNodes: opts.createNodes,
    namespace: opts.namespace,
    driver: opts.driver,
    taintKey: opts.taintKey,
    slices,
    pods,
  };
}

export interface CreateOptions {
  readonly concurrency: number;
  /** Called after each pod is fully set up (claim allocated and reserved): drives the progress bar. */
  readonly onPodReady?: (pod: LoadPod) => void;
}

/** Claim, then pod (its UID is needed for `reservedFor`), then claim status: the order a scheduler produces. */
export async function createLoadPod(cluster: LoadCluster, plan: PopulationPlan, pod: PodPlan): Promise<LoadPod> {
  const version = await cluster.draVersion();
  const labels = { ...runLabels(plan.runId), [TOLERATION_LABEL]: pod.toleration.kind };
  await cluster.createClaim(
    pod.namespace,
    claimManifest(`resource.k8s.io/${version}`, pod.namespace, pod.claimName, plan.driver, labels),
  );
  const { uid } = await cluster.createPod(
    pod.namespace,
    podManifest(pod.namespace, pod.name, pod.nodeName, pod.claimName, labels),
  );
  const stored = await cluster.patchClaimStatus(
    pod.namespace,
    pod.claimName,
    claimStatusPatch(pod.device, pod.toleration, plan.taintKey, { name: pod.name, uid }),
  );
  // An API server without DRADeviceTaints drops allocation tolerations silently; the run would then
  // report correct evictions of "tolerating" pods as wrongful. Fail loudly instead.
  const results = arrayField(stored, 'status', 'allocation', 'devices', 'results');
  if (pod.toleration.kind !== 'none' && arrayField(results[0], 'tolerations').length === 0)
    throw new Error(
      `the API server dropped the allocation tolerations of claim ${pod.namespace}/${pod.claimName}: ` +
        'is the DRADeviceTaints feature gate enabled?',
    );
  return { ...pod, uid };
}

/** Nodes first when asked for, so no pod is ever bound to a node name that does not exist yet. */
export async function createNodes(cluster: LoadCluster, plan: PopulationPlan, concurrency: number): Promise<void> {
  if (!plan.createNodes) return;
  await runBounded(plan.slices, concurrency, async (slice) => {
    await cluster.createNode(nodeManifest(slice.nodeName, runLabels(plan.runId)));
  });
}

export async function createSlices(cluster: LoadCluster, plan: PopulationPlan, concurrency: number): Promise<void> {
  const version = await cluster.draVersion();
  await runBounded(plan.slices, concurrency, async (slice) => {
    await cluster.createSlice(
      sliceManifest(
        `resource.k8s.io/${version}`,
        slice,
        slice.devices.map((name) => ({ name })),
        runLabels(plan.runId),
      ),
    );
  });
}

export async function createPopulation(
  cluster: LoadCluster,
  plan: PopulationPlan,
  opts: CreateOptions,
): Promise<Population> {
  await cluster.ensureNamespace(plan.namespace, runLabels(plan.runId));
  await createNodes(cluster, plan, opts.concurrency);
  await createSlices(cluster, plan, opts.concurrency);
  const created: LoadPod[] = new Array(plan.pods.length);
  await runBounded(plan.pods, opts.concurrency, async (podPlan, i) => {
    const pod = await createLoadPod(cluster, plan, podPlan);
    created[i] = pod;
    opts.onPodReady?.(pod);
  });
  return { runId: plan.runId, namespace: plan.namespace, slices: plan.slices, pods: created };
}
