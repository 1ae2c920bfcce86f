// The disruption controller of kube-controller-manager (pkg/controller/disruption/disruption.go),
// run inside the simulated store: it keeps every PodDisruptionBudget's status (currentHealthy,
// desiredHealthy, expectedPods, disruptionsAllowed, disruptedPods, observedGeneration and the
// DisruptionAllowed condition) the way the real controller computes it, so the eviction subresource
// reads what a cluster would show it.
//
// Where it differs from the real one, deliberately:
// - It is synchronous: a write to a pod or PDB re-syncs the PDBs it touches before the write returns
//   (after every watcher has the write's own event), instead of through an informer and a work queue.
//   A client never sees the short window in which the real controller lags behind.
// - A pod event re-syncs every PDB selecting the pod; upstream's getPdbForPod enqueues only one
//   (pdbs[0], in lister order) and emits a MultiplePodDisruptionBudgets event.
// - It records no Events (NoPods, UnmanagedPods, CalculateExpectedPodCountFailed, NotDeleted) and
//   does not reset stale DisruptionTarget pod conditions (stalePodDisruptionTimeout).
// - Controller scale (getExpectedScale): the sim stores Deployments but no ReplicaSets, StatefulSets
//   or ReplicationControllers. A pod controlled by a Deployment (through the scale subresource path,
//   getScaleController) counts the Deployment's spec.replicas; a pod controlled by one of the other
//   workload kinds finds no controller, as upstream does when that object is missing ("found no
//   controllers for pod …" → failSafe). Pods without a controller are skipped (unmanaged), as upstream.

import { entryObject, type StoredEntry } from './entry.js';
import { getPath, isObject, type JsonObject, jsonEqual } from './json.js';
import { type LabelMatcher, labelSelectorAsSelector } from './labelSelector.js';
import {
  conditionsAreUpToDate,
  controllerOf,
  DELETION_TIMEOUT_MS,
  DISRUPTION_ALLOWED,
  isPodReady,
  PDB,
  type PdbStatus,
  readStatus,
  SYNC_FAILED,
  scaledValue,
  setStatusCondition,
  statusJson,
  updateDisruptionAllowedCondition,
} from './pdb.js';
import { RESOURCES, type SimResource } from './resources.js';
import type { EntryFilter, ListOptions, ListPage, WatchHandle, WatchListener, WriteOptions } from './storeOptions.js';
import { formatTime } from './strategy.js';

/** What the controller uses of the SimStore (its informers and its client). */
export interface DisruptionHost {
  readonly clock: () => number;
  count(resource: SimResource): number;
  get(resource: SimResource, namespace: string, name: string): JsonObject | undefined;
  listPage(resource: SimResource, opts: ListOptions): ListPage;
  watch(resource: SimResource, filter: EntryFilter, sinceRv: number | undefined, listener: WatchListener): WatchHandle;
  onSettled(hook: () => void): () => void;
  update(resource: SimResource, input: JsonObject, opts: WriteOptions): JsonObject;
}

/** What the controller needs of a pod, cached per stored revision. */
interface PodInfo {
  readonly rv: number;
  readonly name: string;
  readonly ready: boolean;
  readonly terminating: boolean;
  readonly controller: JsonObject | undefined;
}

/** The field manager of kube-controller-manager's UpdateStatus (its User-Agent up to the first "/"). */
const MANAGER = { manager: 'kube-controller-manager', apiVersion: 'policy/v1' };

/**
 * Workload kinds a cluster serves that the sim does not store: RESTMapping finds them, their objects
 * never exist here. `scale`: the resource has a scale subresource (implementsScale).
 */
const UNSTORED_KINDS: readonly { group: string; kind: string; resource: string; scale: boolean }[] = [
  { group: '', kind: 'ReplicationController', resource: 'replicationcontrollers', scale: true },
  { group: 'apps', kind: 'ReplicaSet', resource: 'replicasets', scale: true },
  { group: 'apps', kind: 'StatefulSet', resource: 'statefulsets', scale: true },
  { group: 'apps', kind: 'DaemonSet', resource: 'daemonsets', scale: false },
  { group: 'batch', kind: 'Job', resource: 'jobs', scale: false },
  { group: 'batch', kind: 'CronJob', resource: 'cronjobs', scale: false },
];

/** schema.ParseGroupVersion (apimachinery/pkg/runtime/schema/group_version.go). */
function parseGroupVersion(gv: string): { group: string; version: string } {
  if (gv === '' || gv === '/') return { group: '', version: '' };
  const parts = gv.split('/');
  if (parts.length === 1) return { group: '', version: gv };
  if (parts.length === 2) return { group: parts[0]!, version: parts[1]! };
  throw new Error(`unexpected GroupVersion string: ${gv}`);
}

const splitKey = (key: string): [string, string] => {
  const i = key.indexOf('/');
  return [key.slice(0, i), key.slice(i + 1)];
};

export class DisruptionController {
  private readonly dirty = new Set<string>();
  private running = false;
  private readonly pods = new Map<string, PodInfo>();
  private readonly selectors = new Map<string, { rv: number; matcher: LabelMatcher | Error }>();
  private readonly rechecks = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly watches: WatchHandle[];
  private readonly unsettle: () => void;

  constructor(private readonly store: DisruptionHost) {
    this.watches = [
      store.watch('pods', {}, undefined, (type, e) => this.podChanged(type === 'DELETED', e)),
      // addDB / updateDB / removeDB: every PDB change enqueues that PDB.
      store.watch(PDB, {}, undefined, (_type, e) => this.dirty.add(e.key)),
    ];
    this.unsettle = store.onSettled(() => this.settle());
  }

  close(): void {
    for (const w of this.watches) w.stop();
    this.unsettle();
    for (const r of this.rechecks.values()) clearTimeout(r.timer);
    this.rechecks.clear();
  }

  // addPod / updatePod / deletePod → getPdbForPod: the PDBs whose selector matches the pod's
  // (current, or for a deletion last) labels.
  private podChanged(deleted: boolean, e: StoredEntry): void {
    if (deleted) this.pods.delete(e.key);
    if (this.store.count(PDB) === 0) return;
    for (const pdb of this.store.listPage(PDB, { namespace: e.namespace }).items) {
      const m = this.matcher(pdb);
      if (!(m instanceof Error) && m(e.labels)) this.dirty.add(pdb.key);
    }
  }

  private matcher(pdb: StoredEntry): LabelMatcher | Error {
    const cached = this.selectors.get(pdb.key);
    if (cached !== undefined && cached.rv === pdb.rv) return cached.matcher;
    const matcher = labelSelectorAsSelector(getPath(entryObject(pdb), 'spec', 'selector'));
    this.selectors.set(pdb.key, { rv: pdb.rv, matcher });
    return matcher;
  }

  /** Drains the queue; writes made here come back as events and re-enter the queue, not this loop. */
  private settle(): void {
    if (this.running) return;
    this.running = true;
    try {
      for (let key = this.next(); key !== undefined; key = this.next()) this.sync(key);
    } finally {
      this.running = false;
    }
  }

  private next(): string | undefined {
    const first = this.dirty.values().next();
    if (first.done === true) return undefined;
    this.dirty.delete(first.value);
    return first.value;
  }

  // sync: a PDB that is gone is forgotten; a failed trySync falls back to failSafe.
  private sync(key: string): void {
    const [namespace, name] = splitKey(key);
    const pdb = this.store.get(PDB, namespace, name);
    if (pdb === undefined) {
      this.selectors.delete(key);
      const r = this.rechecks.get(key);
      if (r !== undefined) clearTimeout(r.timer);
      this.rechecks.delete(key);
      return;
    }
    try {
      this.trySync(key, pdb);
    } catch (err: unknown) {
      try {
        this.failSafe(pdb, err instanceof Error ? err.message : String(err));
      } catch {
        // The real controller logs the failure and requeues; nothing waits on it here.
      }
    }
  }

  // trySync: pods → expected count and desired healthy → disrupted pods → healthy count → status.
  private trySync(key: string, pdb: JsonObject): void {
    const pods = this.podsForPdb(pdb);
    const { expectedCount, desiredHealthy } = this.expectedPodCount(pdb, pods);
    const now = this.store.clock();
    const { disruptedPods, recheckAt } = buildDisruptedPodMap(pods, readStatus(pdb), now);
    const currentHealthy = countHealthyPods(pods, disruptedPods, now);
    this.updatePdbStatus(pdb, currentHealthy, desiredHealthy, expectedCount, disruptedPods);
    if (recheckAt !== undefined) this.recheckAt(key, recheckAt);
  }

  // getPodsForPdb: every pod of the namespace the selector matches (terminating and terminal ones too).
  private podsForPdb(pdb: JsonObject): PodInfo[] {
    const matcher = labelSelectorAsSelector(getPath(pdb, 'spec', 'selector'));
    if (matcher instanceof Error) throw matcher;
    const namespace = String(getPath(pdb, 'metadata', 'namespace') ?? '');
    const out: PodInfo[] = [];
    for (const e of this.store.listPage('pods', { namespace }).items) {
      if (matcher(e.labels)) out.push(this.podInfo(e));
    }
    return out;
  }

  private podInfo(e: StoredEntry): PodInfo {
    const cached = this.pods.get(e.key);
    if (cached !== undefined && cached.rv === e.rv) return cached;
    const pod = entryObject(e);
    const info: PodInfo = {
      rv: e.rv,
      name: e.name,
      ready: isPodReady(pod),
      terminating: getPath(pod, 'metadata', 'deletionTimestamp') != null,
      controller: controllerOf(pod),
    };
    this.pods.set(e.key, info);
    return info;
  }

  // getExpectedPodCount: maxUnavailable and percentage minAvailable scale by the controllers'
  // replicas (getExpectedScale); an integer minAvailable counts the selected pods. Both percentages
  // round up (GetScaledValueFromIntOrPercent(…, true)). Neither set: 0 expected, 0 desired.
  private expectedPodCount(
    pdb: JsonObject,
    pods: readonly PodInfo[],
  ): { expectedCount: number; desiredHealthy: number } {
    const spec = isObject(pdb.spec) ? pdb.spec : {};
    const namespace = String(getPath(pdb, 'metadata', 'namespace') ?? '');
    if (spec.maxUnavailable != null) {
      const expectedCount = this.expectedScale(pods, namespace);
      const maxUnavailable = scaledValue(spec.maxUnavailable, expectedCount, true);
      if (maxUnavailable instanceof Error) throw maxUnavailable;
      return { expectedCount, desiredHealthy: Math.max(0, expectedCount - maxUnavailable) };
    }
    if (spec.minAvailable != null) {
      if (typeof spec.minAvailable === 'number') {
        return { expectedCount: pods.length, desiredHealthy: spec.minAvailable };
      }
      const expectedCount = this.expectedScale(pods, namespace);
      const minAvailable = scaledValue(spec.minAvailable, expectedCount, true);
      if (minAvailable instanceof Error) throw minAvailable;
      return { expectedCount, desiredHealthy: minAvailable };
    }
    return { expectedCount: 0, desiredHealthy: 0 };
  }

  // getExpectedScale: the sum of the scales of the pods' controllers, each counted once; pods with no
  // controller are unmanaged and skipped; a controller none of the finders resolves is an error.
  private expectedScale(pods: readonly PodInfo[], namespace: string): number {
    const scales = new Map<string, number>();
    for (const pod of pods) {
      const ref = pod.controller;
      if (ref === undefined) continue;
      if (scales.has(String(ref.uid ?? ''))) continue;
      const found = this.controllerScale(ref, namespace);
      if (found === undefined) throw new Error(`found no controllers for pod ${JSON.stringify(pod.name)}`);
      scales.set(found.uid, found.scale);
    }
    let total = 0;
    for (const s of scales.values()) total += s;
    return total;
  }

  // The finders in order: getPodReplicationController, getPodDeployment, getPodReplicaSet and
  // getPodStatefulSet read listers of kinds the sim never stores (nil, nil; verifyGroupKind still
  // parses the apiVersion first), then getScaleController: RESTMapping, GET …/scale, implementsScale.
  private controllerScale(ref: JsonObject, namespace: string): { uid: string; scale: number } | undefined {
    const apiVersion = String(ref.apiVersion ?? '');
    const kind = String(ref.kind ?? '');
    const name = String(ref.name ?? '');
    const uid = String(ref.uid ?? '');
    const { group, version } = parseGroupVersion(apiVersion);
    const served = RESOURCES.find((d) => d.group === group && d.kind === kind && d.review !== true);
    const unstored = UNSTORED_KINDS.find((k) => k.group === group && k.kind === kind);
    if (served === undefined && unstored === undefined) {
      // meta.NoKindMatchError from the RESTMapper.
      const gv = group === '' ? version : `${group}/${version}`;
      throw new Error(`no matches for kind ${JSON.stringify(kind)} in version ${JSON.stringify(gv)}`);
    }
    if (served?.id === 'deployments.apps') {
      const d = this.store.get('deployments.apps', namespace, name);
      // A missing scale target is NotFound; deployments implement scale, so: no controller (nil, nil).
      if (d === undefined || String(getPath(d, 'metadata', 'uid') ?? '') !== uid) return undefined;
      const replicas = getPath(d, 'spec', 'replicas');
      return { uid, scale: typeof replicas === 'number' ? replicas : 1 };
    }
    const resource = served !== undefined ? served.plural : unstored!.resource;
    const hasScale = served === undefined && unstored!.scale;
    if (!hasScale) {
      const gr = group === '' ? resource : `${resource}.${group}`;
      throw new Error(`${gr} does not implement the scale subresource`);
    }
    return undefined;
  }

  // updatePdbStatus: disruptionsAllowed = currentHealthy - desiredHealthy, 0 when negative or while no
  // pods are expected; nothing is written when status is already current.
  private updatePdbStatus(
    pdb: JsonObject,
    currentHealthy: number,
    desiredHealthy: number,
    expectedCount: number,
    disruptedPods: Record<string, string>,
  ): void {
    let disruptionsAllowed = currentHealthy - desiredHealthy;
    if (expectedCount <= 0 || disruptionsAllowed <= 0) disruptionsAllowed = 0;
    const old = readStatus(pdb);
    const generation = Number(getPath(pdb, 'metadata', 'generation') ?? 0);
    if (
      old.currentHealthy === currentHealthy &&
      old.desiredHealthy === desiredHealthy &&
      old.expectedPods === expectedCount &&
      old.disruptionsAllowed === disruptionsAllowed &&
      jsonEqual(old.disruptedPods, disruptedPods) &&
      old.observedGeneration === generation &&
      conditionsAreUpToDate(old, generation)
    ) {
      return;
    }
    const status: PdbStatus = {
      currentHealthy,
      desiredHealthy,
      expectedPods: expectedCount,
      disruptionsAllowed,
      disruptedPods,
      observedGeneration: generation,
      conditions: old.conditions,
    };
    updateDisruptionAllowedCondition(status, formatTime(this.store.clock()));
    this.writeStatus(pdb, status);
  }

  // failSafe: disruptionsAllowed 0 and DisruptionAllowed False/SyncFailed with the error, the rest of
  // the status (observedGeneration included) left as it was.
  private failSafe(pdb: JsonObject, message: string): void {
    const status = readStatus(pdb);
    status.disruptionsAllowed = 0;
    setStatusCondition(
      status.conditions,
      {
        type: DISRUPTION_ALLOWED,
        status: 'False',
        reason: SYNC_FAILED,
        message,
        observedGeneration: status.observedGeneration,
      },
      formatTime(this.store.clock()),
    );
    this.writeStatus(pdb, status);
  }

  // writePdbStatus: UpdateStatus as kube-controller-manager.
  private writeStatus(pdb: JsonObject, status: PdbStatus): void {
    this.store.update(PDB, { ...pdb, status: statusJson(status) }, { subresource: 'status', fieldManager: MANAGER });
  }

  // enqueuePdbForRecheck: sync again when the earliest disruptedPods entry times out.
  private recheckAt(key: string, at: number): void {
    const existing = this.rechecks.get(key);
    if (existing !== undefined && existing.at <= at) return;
    if (existing !== undefined) clearTimeout(existing.timer);
    const delay = Math.max(1, at - this.store.clock() + 1);
    const timer = setTimeout(() => {
      this.rechecks.delete(key);
      this.dirty.add(key);
      this.settle();
    }, delay);
    timer.unref();
    this.rechecks.set(key, { at, timer });
  }
}

// buildDisruptedPodMap: keeps the entries of pods that exist, are not being deleted yet and are
// within DeletionTimeout of their eviction; reports when the first of them times out.
function buildDisruptedPodMap(
  pods: readonly PodInfo[],
  status: PdbStatus,
  now: number,
): { disruptedPods: Record<string, string>; recheckAt: number | undefined } {
  const disruptedPods: Record<string, string> = {};
  let recheckAt: number | undefined;
  for (const pod of pods) {
    if (pod.terminating) continue;
    const when = status.disruptedPods[pod.name];
    if (when === undefined) continue;
    const expectedDeletion = Date.parse(when) + DELETION_TIMEOUT_MS;
    if (expectedDeletion < now) continue;
    if (recheckAt === undefined || expectedDeletion < recheckAt) recheckAt = expectedDeletion;
    disruptedPods[pod.name] = when;
  }
  return { disruptedPods, recheckAt };
}

// countHealthyPods: Ready pods that are neither terminating nor expected to be deleted soon.
function countHealthyPods(pods: readonly PodInfo[], disruptedPods: Record<string, string>, now: number): number {
  let healthy = 0;
  for (const pod of pods) {
    if (pod.terminating) continue;
    const when = disruptedPods[pod.name];
    if (when !== undefined && Date.parse(when) + DELETION_TIMEOUT_MS > now) continue;
    if (pod.ready) healthy++;
  }
  return healthy;
}
