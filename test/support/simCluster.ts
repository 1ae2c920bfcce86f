// The objects the e2e tests put into the simulated cluster: one ResourceSlice per node (pool = node),
// and "workloads" = a running pod plus its allocated, reserved ResourceClaim, shaped like what the
// scheduler and the resourceclaim controller leave behind. Writes go through the store, which shares
// validation, resourceVersions and watch events with HTTP, so the controller sees them like API writes.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type JsonObject, type SimServer, type SimServerOptions, startSimServer } from '../../src/sim/index.js';

export const DRIVER = 'gpu.e2e.example.com';
export const TAINT_KEY = 'gpu.e2e.example.com/xid';

export interface Taint {
  readonly key: string;
  readonly value?: string;
  readonly effect: 'NoExecute' | 'NoSchedule' | 'None';
}

export const unhealthy: Taint = { key: TAINT_KEY, value: '79', effect: 'NoExecute' };

export interface Toleration {
  readonly key?: string;
  readonly operator: 'Exists' | 'Equal';
  readonly value?: string;
  readonly effect: 'NoExecute';
  readonly tolerationSeconds?: number;
}

export interface Workload {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly claim: string;
  readonly node: string;
  readonly device: string;
}

export interface E2eCluster {
  readonly sim: SimServer;
  readonly kubeconfig: string;
  close(): Promise<void>;
}

/** A simulated apiserver on 127.0.0.1:0 and a kubeconfig file pointing at it. */
export async function startCluster(options: SimServerOptions = {}): Promise<E2eCluster> {
  const dir = await mkdtemp(path.join(tmpdir(), 'dte-e2e-'));
  const sim = await startSimServer({ port: 0, ruleVersions: ['v1'], bookmarkIntervalMs: 200, ...options });
  const kubeconfig = path.join(dir, 'kubeconfig');
  await sim.writeKubeconfig(kubeconfig);
  return {
    sim,
    kubeconfig,
    close: async () => {
      await sim.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export const sliceName = (node: string, driver = DRIVER): string => `${node}-${driver}`;

/** `gpu-0` … `gpu-<n − 1>`: the device names of a node's slice. */
export const deviceNames = (n: number): string[] => Array.from({ length: n }, (_, i) => `gpu-${i}`);

const deviceList = (devices: readonly string[], taints: Readonly<Record<string, readonly Taint[]>>): JsonObject[] =>
  devices.map((name) => {
    const device: JsonObject = { name };
    const t = taints[name];
    if (t !== undefined && t.length > 0) device.taints = t.map((x) => ({ ...x }));
    return device;
  });

/** Publishes `devices` of `node` as one ResourceSlice (pool = node, generation 1). */
export function addNodeSlice(sim: SimServer, node: string, devices: readonly string[], driver = DRIVER): void {
  sim.store.create('resourceslices.resource.k8s.io', {
    apiVersion: 'resource.k8s.io/v1',
    kind: 'ResourceSlice',
    metadata: { name: sliceName(node, driver) },
    spec: {
      driver,
      nodeName: node,
      pool: { name: node, generation: 1, resourceSliceCount: 1 },
      devices: deviceList(devices, {}),
    },
  });
}

/**
 * Replaces the device list of a node's slice: devices named in `taints` get those taints, all others
 * none. The apiserver stamps `timeAdded` on new taints.
 */
export function setDeviceTaints(
  sim: SimServer,
  node: string,
  devices: readonly string[],
  taints: Readonly<Record<string, readonly Taint[]>>,
  driver = DRIVER,
): void {
  sim.store.patch('resourceslices.resource.k8s.io', '', sliceName(node, driver), 'merge', {
    spec: { devices: deviceList(devices, taints) },
  });
}

/** `timeAdded` (ms) of the first taint on `device` as stored, i.e. as the controller sees it. */
export function taintTimeAdded(sim: SimServer, node: string, device: string, driver = DRIVER): number {
  const slice = sim.store.get('resourceslices.resource.k8s.io', '', sliceName(node, driver));
  const spec = slice?.spec as JsonObject | undefined;
  const devices = Array.isArray(spec?.devices) ? spec.devices : [];
  for (const d of devices) {
    if (typeof d !== 'object' || d === null || Array.isArray(d) || d.name !== device) continue;
    const taints = Array.isArray(d.taints) ? d.taints : [];
    const first = taints[0];
    if (typeof first === 'object' && first !== null && !Array.isArray(first) && typeof first.timeAdded === 'string') {
      return Date.parse(first.timeAdded);
    }
  }
  throw new Error(`no taint with timeAdded on ${node}/${device}`);
}

export interface WorkloadSpec {
  readonly namespace: string;
  readonly name: string;
  readonly node: string;
  readonly device: string;
  readonly driver?: string;
  /** Copied into the allocation result, where the controller reads them. */
  readonly tolerations?: readonly Toleration[];
  /** The pod's labels (default `app: e2e`): what a PodDisruptionBudget selects. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Adds the Ready condition, which is what a PodDisruptionBudget counts as healthy. */
  readonly ready?: boolean;
}

/** A scheduled, running pod holding an allocated claim (by name) on `node`/`device`, reserved for it. */
export function addWorkload(sim: SimServer, spec: WorkloadSpec): Workload {
  const { namespace, name, node, device } = spec;
  const driver = spec.driver ?? DRIVER;
  const claim = `${name}-gpu`;
  sim.store.ensureNamespace(namespace);
  const pod = sim.store.create(
    'pods',
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace, labels: { ...(spec.labels ?? { app: 'e2e' }) } },
      spec: {
        nodeName: node,
        containers: [{ name: 'main', image: 'busybox', resources: { claims: [{ name: 'gpu' }] } }],
        resourceClaims: [{ name: 'gpu', resourceClaimName: claim }],
      },
      status:
        spec.ready === true
          ? { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] }
          : { phase: 'Running' },
    },
    { keepStatus: true },
  );
  const uid = String((pod.metadata as JsonObject).uid);
  const result: JsonObject = { request: 'gpu', driver, pool: node, device };
  if (spec.tolerations !== undefined) result.tolerations = spec.tolerations.map((t) => ({ ...t }));
  sim.store.create(
    'resourceclaims.resource.k8s.io',
    {
      apiVersion: 'resource.k8s.io/v1',
      kind: 'ResourceClaim',
      metadata: { name: claim, namespace },
      spec: { devices: { requests: [{ name: 'gpu', exactly: { deviceClassName: driver } }] } },
      status: {
        allocation: { devices: { results: [result] } },
        reservedFor: [{ resource: 'pods', name, uid }],
      },
    },
    { keepStatus: true },
  );
  return { namespace, name, uid, claim, node, device };
}

export const RULES = 'devicetaintrules.resource.k8s.io';

export interface RuleSpec {
  readonly name: string;
  /** `{}` selects every device in the cluster (behaviour.md §6.6). */
  readonly deviceSelector: JsonObject;
  readonly taint?: Taint;
  readonly annotations?: Readonly<Record<string, string>>;
}

/** A DeviceTaintRule (NoExecute with the e2e taint unless told otherwise); returns its UID. */
export function addRule(sim: SimServer, rule: RuleSpec): string {
  const created = sim.store.create(RULES, {
    apiVersion: 'resource.k8s.io/v1',
    kind: 'DeviceTaintRule',
    metadata: { name: rule.name, ...(rule.annotations === undefined ? {} : { annotations: { ...rule.annotations } }) },
    spec: { deviceSelector: rule.deviceSelector, taint: { ...(rule.taint ?? unhealthy) } },
  });
  return String((created.metadata as JsonObject).uid);
}

/** A policy/v1 PodDisruptionBudget over the pods labelled `app: <app>` in `namespace`. */
export function addPdb(sim: SimServer, namespace: string, name: string, app: string, minAvailable: number): void {
  sim.store.ensureNamespace(namespace);
  sim.store.create('poddisruptionbudgets.policy', {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name, namespace },
    spec: { minAvailable, selector: { matchLabels: { app } } },
  });
}

export const podExists = (sim: SimServer, w: Pick<Workload, 'namespace' | 'name'>): boolean =>
  sim.store.get('pods', w.namespace, w.name) !== undefined;

/** Core/v1 Events recorded about `w` (any reason), oldest first. */
export function eventsFor(sim: SimServer, w: Pick<Workload, 'namespace' | 'name'>): JsonObject[] {
  return sim.store.list('events', { namespace: w.namespace }).filter((e) => {
    const involved = e.involvedObject as JsonObject | undefined;
    return involved?.name === w.name && involved.namespace === w.namespace;
  });
}

/** Successful pod DELETEs the apiserver answered for `w` (a double eviction shows up as 2). */
export const successfulDeletes = (sim: SimServer, w: Pick<Workload, 'namespace' | 'name'>): number =>
  sim.requests.recent({ verb: 'delete', resource: 'pods', namespace: w.namespace, name: w.name, code: 200 }).length;

export interface RecordedChange {
  readonly type: string;
  readonly object: JsonObject;
}

/**
 * Every change to `resource` from now on, as the apiserver's watchers see it (delivered synchronously
 * inside the write): lets a test inspect a pod's last state before its deletion.
 */
export function recordChanges(
  sim: SimServer,
  resource: 'pods' | 'devicetaintrules.resource.k8s.io',
  namespace?: string,
): { readonly changes: RecordedChange[]; stop(): void } {
  const changes: RecordedChange[] = [];
  const handle = sim.store.watch(
    resource,
    namespace === undefined ? {} : { namespace },
    sim.store.resourceVersion,
    (type, entry) => changes.push({ type, object: JSON.parse(entry.json.toString('utf8')) as JsonObject }),
  );
  return { changes, stop: () => handle.stop() };
}
