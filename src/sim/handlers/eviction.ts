// POST /api/v1/namespaces/{ns}/pods/{name}/eviction: the create handler (endpoints/handlers/create.go)
// around EvictionREST.Create (pkg/registry/core/pod/storage/eviction.go). Each step names the
// upstream code it follows. The PodDisruptionBudget writes (checkAndDecrement's UpdateStatus) go
// through the store like the apiserver's loopback client's, so the disruption controller sees them.

import { setTimeout as sleep } from 'node:timers/promises';
import {
  dryRunParam,
  type FieldValidation,
  fieldValidationParam,
  pruneUnknown,
  strictDecodingError,
  unknownFields,
  unknownFieldWarnings,
} from '../decode.js';
import { entryObject } from '../entry.js';
import { warningHeaders } from '../http.js';
import { clone, getPath, isObject, type JsonObject, type JsonValue, jsonEqual } from '../json.js';
import { labelSelectorAsSelector } from '../labelSelector.js';
import {
  DISRUPTION_BUDGET_CAUSE,
  isPodReady,
  MAX_DISRUPTED_POD_SIZE,
  PDB,
  readStatus,
  statusJson,
  updateDisruptionAllowedCondition,
} from '../pdb.js';
import { badRequest, conflict, notFound, SimApiError } from '../status.js';
import { type DeleteOptions, formatTime } from '../store.js';
import { readValue } from './body.js';
import { namespaceOf, outputOf, type ResourceRequest, respondObject } from './context.js';

/** wait.Backoff of EvictionsRetry: Steps 20, Duration 500ms, Factor 1.0, Jitter 0.1. */
export interface EvictionRetry {
  readonly steps: number;
  readonly intervalMs: number;
}

export const EVICTIONS_RETRY: EvictionRetry = { steps: 20, intervalMs: 500 };

/** The field manager of the apiserver's loopback client (kube-apiserver/v… User-Agent). */
const LOOPBACK_MANAGER = { manager: 'kube-apiserver', apiVersion: 'policy/v1' };

const EVICTION_NODE = { kind: 'struct', def: 'io.k8s.api.policy.v1.Eviction' } as const;

/** The Eviction's DeleteOptions as EvictionREST uses them. */
interface EvictionDeleteOptions {
  /** DeleteOptions.DryRun as sent (dryrun.IsDryRun: non-empty). */
  dryRun: string[];
  uid: string | undefined;
  resourceVersion: string | undefined;
  gracePeriodSeconds: number | undefined;
}

/** Go's %v of a []string: [a b]. */
const goList = (xs: readonly string[]): string => `[${xs.join(' ')}]`;

const strings = (v: JsonValue | undefined): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

// errors.NewTooManyRequests(…) with a DisruptionBudget cause: retryAfterSeconds becomes the
// Retry-After header (responsewriters.ErrorNegotiated) when it is above zero.
const tooManyRequests = (retryAfterSeconds: number, cause: string): SimApiError =>
  new SimApiError(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.", {
    retryAfterSeconds,
    causes: [{ reason: DISRUPTION_BUDGET_CAUSE, message: cause }],
  });

// createTooManyRequestsError: the budget is still being processed; clients are told to wait 10s.
const stillProcessing = (pdbName: string): SimApiError =>
  tooManyRequests(10, `The disruption budget ${pdbName} is still being processed by the server.`);

// errors.NewForbidden(policy.Resource("poddisruptionbudget"), name, err)
const forbidden = (pdbName: string, why: string): SimApiError =>
  new SimApiError(403, 'Forbidden', `poddisruptionbudget.policy ${JSON.stringify(pdbName)} is forbidden: ${why}`, {
    name: pdbName,
    group: 'policy',
    kind: 'poddisruptionbudget',
  });

const isConflict = (err: unknown): boolean => err instanceof SimApiError && err.code === 409;

export async function evictPod(r: ResourceRequest, retry: EvictionRetry = EVICTIONS_RETRY): Promise<void> {
  const namespace = namespaceOf(r);
  const name = r.route.name!;
  // createHandler: CreateOptions (ValidateCreateOptions), then the body decoded into an Eviction.
  const queryDryRun = r.q.getAll('dryRun');
  dryRunParam(queryDryRun, 'CreateOptions');
  const validation = fieldValidationParam(r.q, 'CreateOptions');
  const media = outputOf(r);
  const { eviction, warnings } = await readEviction(r, validation);
  const meta = isObject(eviction.metadata) ? eviction.metadata : {};
  // rest.EnsureObjectNamespaceMatchesRequestNamespace
  if (typeof meta.namespace === 'string' && meta.namespace !== '' && meta.namespace !== namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  // EvictionREST.Create: the body must name the pod of the URL.
  if (meta.name !== name) throw badRequest('name in URL does not match name in Eviction object');
  const opts = propagateDryRun(eviction, queryDryRun);
  const dryRun = opts.dryRun.length > 0;

  // The first retry.OnError loop: pods that can ignore PDBs (terminal, Pending, terminating) are
  // deleted right away; conflicts are retried (EvictionsRetry) unless a resourceVersion was given.
  let pod: JsonObject | undefined;
  let deleted = false;
  for (let step = 1; ; step++) {
    try {
      pod = getPod(r, namespace, name);
      if (!canIgnorePDB(pod)) break;
      const deleteOpts = { ...opts };
      // shouldEnforceResourceVersion: a Pending pod is deleted only at the version just read.
      if (shouldEnforceResourceVersion(pod) && opts.resourceVersion === undefined) {
        deleteOpts.resourceVersion = String(getPath(pod, 'metadata', 'resourceVersion') ?? '');
      }
      addConditionAndDeletePod(r, namespace, name, deleteOpts);
      deleted = true;
      break;
    } catch (err: unknown) {
      if (!isConflict(err) || opts.resourceVersion !== undefined || step >= retry.steps) throw err;
      // wait.Jitter(Duration, 0.1)
      await sleep(retry.intervalMs * (1 + Math.random() * 0.1));
    }
  }
  if (!deleted) {
    const live = pod!;
    let pdbName = '';
    let updateDeletionOptions = false;
    const pdbs = podDisruptionBudgets(r, namespace, live);
    if (pdbs.length > 1) {
      // A Status{Failure, Code 500} result becomes an error in the finisher (errors.FromObject): no reason.
      throw new SimApiError(
        500,
        '',
        'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
      );
    }
    if (pdbs.length === 1) {
      const pdb = pdbs[0]!;
      pdbName = String(getPath(pdb, 'metadata', 'name') ?? '');
      const status = readStatus(pdb);
      // IsPodReady stands for healthy: an unready pod is deleted without spending the budget when the
      // policy is AlwaysAllow, or (IfHealthyBudget, the default) when the application is not disrupted.
      if (!isPodReady(live)) {
        const policy = getPath(pdb, 'spec', 'unhealthyPodEvictionPolicy');
        if (policy === 'AlwaysAllow') updateDeletionOptions = true;
        else if (status.currentHealthy >= status.desiredHealthy && status.desiredHealthy > 0) {
          updateDeletionOptions = true;
        }
      }
      // checkAndDecrement (inside retry.RetryOnConflict; the sim's writes never conflict here).
      if (!updateDeletionOptions) checkAndDecrement(r, name, pdb, dryRun);
    }
    const deleteOpts = { ...opts };
    // The pod must still be the one judged unhealthy: delete it only at the version read.
    if (updateDeletionOptions) deleteOpts.resourceVersion = String(getPath(live, 'metadata', 'resourceVersion') ?? '');
    try {
      addConditionAndDeletePod(r, namespace, name, deleteOpts);
    } catch (err: unknown) {
      // A conflict on a precondition the server added: 429, so that clients retry.
      if (isConflict(err) && updateDeletionOptions && opts.resourceVersion === undefined)
        throw stillProcessing(pdbName);
      throw err;
    }
  }
  // Success: metav1.Status{Status: Success}; the create handler fills in code 201.
  respondObject(
    r,
    201,
    { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 },
    media,
    warningHeaders(warnings),
  );
}

/**
 * The body as a policy Eviction: createHandler's decoder with scope.AcceptsGroupVersion (policy/v1
 * and policy/v1beta1, EvictionREST.AcceptsGroupVersion) and the ?fieldValidation handling of unknown
 * fields. The kind is not checked (as for the other create bodies of the sim).
 */
async function readEviction(
  r: ResourceRequest,
  validation: FieldValidation,
): Promise<{ eviction: JsonObject; warnings: string[] }> {
  const value = await readValue(r, r.req.headers['content-type']);
  if (!isObject(value)) throw badRequest('the request body must be a JSON object');
  const apiVersion = value.apiVersion ?? 'policy/v1';
  if (apiVersion !== 'policy/v1' && apiVersion !== 'policy/v1beta1') {
    throw badRequest(
      `the API version in the data (${String(apiVersion)}) does not match the expected API version (policy/v1)`,
    );
  }
  const unknown = unknownFields(value, EVICTION_NODE);
  if (unknown.length > 0 && validation === 'Strict') {
    const version = String(apiVersion).split('/')[1]!;
    throw badRequest(
      `Eviction in version "${version}" cannot be handled as a Eviction: ${strictDecodingError(unknown)}`,
    );
  }
  return {
    eviction: unknown.length > 0 ? (pruneUnknown(value, EVICTION_NODE) as JsonObject) : value,
    warnings: validation === 'Warn' ? unknownFieldWarnings(unknown) : [],
  };
}

// propagateDryRun: the request's ?dryRun goes into the Eviction's DeleteOptions unless those carry
// their own, which must then be the same.
function propagateDryRun(eviction: JsonObject, queryDryRun: readonly string[]): EvictionDeleteOptions {
  const d = eviction.deleteOptions;
  const del = isObject(d) ? d : {};
  let dryRun = strings(del.dryRun);
  if (!isObject(d) || dryRun.length === 0) dryRun = [...queryDryRun];
  else if (queryDryRun.length > 0 && !jsonEqual(dryRun, [...queryDryRun])) {
    // A plain fmt.Errorf: ErrorToAPIStatus makes it a 500 with reason Unknown.
    throw new SimApiError(
      500,
      'Unknown',
      `Non-matching dry-run options in request and content: ${goList(queryDryRun)} and ${goList(dryRun)}`,
    );
  }
  const pre = isObject(del.preconditions) ? del.preconditions : {};
  return {
    dryRun,
    uid: typeof pre.uid === 'string' ? pre.uid : undefined,
    resourceVersion: typeof pre.resourceVersion === 'string' ? pre.resourceVersion : undefined,
    gracePeriodSeconds: typeof del.gracePeriodSeconds === 'number' ? del.gracePeriodSeconds : undefined,
  };
}

function getPod(r: ResourceRequest, namespace: string, name: string): JsonObject {
  const pod = r.store.get('pods', namespace, name);
  if (pod === undefined) throw notFound('pods', '', name);
  return pod;
}

const phaseOf = (pod: JsonObject): string => String(getPath(pod, 'status', 'phase') ?? '');
const terminating = (pod: JsonObject): boolean => getPath(pod, 'metadata', 'deletionTimestamp') != null;

// canIgnorePDB: Succeeded, Failed and Pending pods and pods already being deleted skip the budget.
const canIgnorePDB = (pod: JsonObject): boolean =>
  ['Succeeded', 'Failed', 'Pending'].includes(phaseOf(pod)) || terminating(pod);

// shouldEnforceResourceVersion: everything but terminal and terminating pods.
const shouldEnforceResourceVersion = (pod: JsonObject): boolean =>
  !['Succeeded', 'Failed'].includes(phaseOf(pod)) && !terminating(pod);

// getPodDisruptionBudgets: the namespace's PDBs whose selector matches the pod's labels; a selector
// that does not parse matches nothing; in policy/v1 an empty selector ({}) matches every pod.
function podDisruptionBudgets(r: ResourceRequest, namespace: string, pod: JsonObject): JsonObject[] {
  const labels = getPath(pod, 'metadata', 'labels');
  const podLabels = isObject(labels) ? (labels as Record<string, string>) : undefined;
  const out: JsonObject[] = [];
  for (const e of r.store.listPage(PDB, { namespace }).items) {
    const pdb = entryObject(e);
    const matcher = labelSelectorAsSelector(getPath(pdb, 'spec', 'selector'));
    if (matcher instanceof Error || !matcher(podLabels)) continue;
    out.push(pdb);
  }
  return out;
}

// checkAndDecrement: refuse while the budget's status lags its spec, is inconsistent, or allows no
// disruption; otherwise take one disruption and, unless dry, record the pod in disruptedPods with
// UpdateStatus.
function checkAndDecrement(r: ResourceRequest, podName: string, pdb: JsonObject, dryRun: boolean): void {
  const name = String(getPath(pdb, 'metadata', 'name') ?? '');
  const generation = Number(getPath(pdb, 'metadata', 'generation') ?? 0);
  const status = readStatus(pdb);
  if (status.observedGeneration < generation) throw stillProcessing(name);
  if (status.disruptionsAllowed < 0) throw forbidden(name, 'pdb disruptions allowed is negative');
  if (Object.keys(status.disruptedPods).length > MAX_DISRUPTED_POD_SIZE) {
    throw forbidden(name, 'DisruptedPods map too big - too many evictions not confirmed by PDB controller');
  }
  if (status.disruptionsAllowed === 0) {
    throw tooManyRequests(
      0,
      `The disruption budget ${name} needs ${status.desiredHealthy} healthy pods and has ${status.currentHealthy} currently`,
    );
  }
  status.disruptionsAllowed--;
  const now = formatTime(r.store.clock());
  if (status.disruptionsAllowed === 0) updateDisruptionAllowedCondition(status, now);
  if (dryRun) return;
  // The eviction tells the disruption controller the pod is about to go: it is not counted healthy
  // until it is deleted or DeletionTimeout passes.
  status.disruptedPods[podName] = now;
  r.store.update(
    PDB,
    { ...pdb, status: statusJson(status) },
    { subresource: 'status', fieldManager: LOOPBACK_MANAGER },
  );
}

// addConditionAndDeletePod: unless dry, first a status update of the latest pod (the pod status
// store) that checks the preconditions itself and adds DisruptionTarget=True
// (EvictionByEvictionAPI); a resourceVersion precondition moves to the version that update wrote.
// Then the delete (graceful like any pod DELETE), with BeforeDelete's checks of the options.
function addConditionAndDeletePod(
  r: ResourceRequest,
  namespace: string,
  name: string,
  opts: EvictionDeleteOptions,
): void {
  const deleteOpts = { ...opts };
  if (opts.dryRun.length === 0) {
    const latest = getPod(r, namespace, name);
    const uid = String(getPath(latest, 'metadata', 'uid') ?? '');
    const rv = String(getPath(latest, 'metadata', 'resourceVersion') ?? '');
    // getLatestPod: errors.NewConflict(GroupResource{Resource: "Pod"}, …)
    if (opts.uid !== undefined && opts.uid !== '' && opts.uid !== uid) {
      throw conflict(
        'Pod',
        '',
        name,
        `the UID in the precondition (${opts.uid}) does not match the UID in record (${uid}). The object might have been deleted and then recreated`,
      );
    }
    if (opts.resourceVersion !== undefined && opts.resourceVersion !== '' && opts.resourceVersion !== rv) {
      throw conflict(
        'Pod',
        '',
        name,
        `the ResourceVersion in the precondition (${opts.resourceVersion}) does not match the ResourceVersion in record (${rv}). The object might have been modified`,
      );
    }
    const next = clone(latest);
    updatePodCondition(next, formatTime(r.store.clock()));
    const written = r.store.update('pods', next, { subresource: 'status' });
    if (opts.resourceVersion !== undefined) {
      deleteOpts.resourceVersion = String(getPath(written, 'metadata', 'resourceVersion') ?? '');
    }
  }
  // rest.BeforeDelete: ValidateDeleteOptions (dryRun must be [All]), then the preconditions.
  const options: DeleteOptions = {
    dryRun: dryRunParam(deleteOpts.dryRun, 'DeleteOptions'),
    preconditions: { uid: deleteOpts.uid, resourceVersion: deleteOpts.resourceVersion },
    gracePeriodSeconds: deleteOpts.gracePeriodSeconds,
  };
  r.store.delete('pods', namespace, name, options);
}

// podutil.UpdatePodCondition with DisruptionTarget=True, reason EvictionByEvictionAPI, message
// "Eviction API: evicting": the condition is replaced whole (lastProbeTime zero: null);
// lastTransitionTime stays when the status does not change.
function updatePodCondition(pod: JsonObject, now: string): void {
  const status = isObject(pod.status) ? pod.status : {};
  pod.status = status;
  const conditions = Array.isArray(status.conditions) ? status.conditions : [];
  status.conditions = conditions;
  const i = conditions.findIndex((c) => isObject(c) && c.type === 'DisruptionTarget');
  const old = i >= 0 && isObject(conditions[i]) ? (conditions[i] as JsonObject) : undefined;
  const condition: JsonObject = {
    type: 'DisruptionTarget',
    status: 'True',
    lastProbeTime: null,
    lastTransitionTime: old !== undefined && old.status === 'True' ? (old.lastTransitionTime ?? null) : now,
    reason: 'EvictionByEvictionAPI',
    message: 'Eviction API: evicting',
  };
  if (i >= 0) conditions[i] = condition;
  else conditions.push(condition);
}
