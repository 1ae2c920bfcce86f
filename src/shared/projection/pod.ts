// Pods → PodRecord: scheduling (`spec.nodeName`), the claims the pod names (spec and status, the
// extended-resource claim, its PodGroup), its deletionTimestamp, and whether it already carries our
// DisruptionTarget condition (so an eviction retry skips the status patch).

import { EMPTY, SharedValues } from '../intern.js';
import {
  asObject,
  elementPaths,
  NO_FIELDS,
  optArray,
  optObject,
  optString,
  optTimestamp,
  reqString,
  strOrEmpty,
} from '../jsonShape.js';
import type { PodClaimSource, PodClaimStatus, PodRecord } from '../types.js';
import { internParsed, keyPart, metadataOf, type Projector, projector, readList } from './projector.js';

const podClaimPaths = elementPaths('$.spec.resourceClaims');
const podClaimStatusPaths = elementPaths('$.status.resourceClaimStatuses');

function readPodClaimSource(v: unknown, path: string): PodClaimSource {
  const c = asObject(v, path);
  return {
    name: reqString(c, 'name', path),
    resourceClaimName: optString(c, 'resourceClaimName', path),
    resourceClaimTemplateName: optString(c, 'resourceClaimTemplateName', path),
    podGroupResourceClaim: optString(c, 'podGroupResourceClaim', path),
  };
}

/**
 * Every pod of a workload has the same `spec.resourceClaims` when its claims come from templates or
 * from its PodGroup; only lists naming a claim directly tend to be per pod, and those are not shared
 * (they would only churn the table).
 */
const sharedPodClaims = new SharedValues<readonly PodClaimSource[]>();

/** The shared instance of `list` when it may be shared (see above), else `list`. Exported like `shareTolerations`. */
export function sharePodClaimSources(list: readonly PodClaimSource[]): readonly PodClaimSource[] {
  if (list.length === 0) return EMPTY;
  let key = '';
  for (const c of list) {
    if (c.resourceClaimName !== null) return list;
    key += `${keyPart(c.name)}${keyPart(c.resourceClaimTemplateName)}${keyPart(c.podGroupResourceClaim)};`;
  }
  return sharedPodClaims.get(key) ?? sharedPodClaims.add(key, list);
}

const readPodClaimSources = (items: readonly unknown[]): readonly PodClaimSource[] =>
  sharePodClaimSources(readList(items, podClaimPaths, readPodClaimSource));

export function readPodClaimStatus(v: unknown, path: string): PodClaimStatus {
  const s = asObject(v, path);
  return { name: reqString(s, 'name', path), resourceClaimName: optString(s, 'resourceClaimName', path) };
}

/** Our DisruptionTarget condition; read leniently (a malformed condition list is not ours to judge). */
function hasOurDisruptionTarget(status: Readonly<Record<string, unknown>>): boolean {
  const conditions = status.conditions;
  if (!Array.isArray(conditions)) return false;
  for (const c of conditions)
    if (
      typeof c === 'object' &&
      c !== null &&
      (c as Record<string, unknown>).type === 'DisruptionTarget' &&
      (c as Record<string, unknown>).status === 'True' &&
      (c as Record<string, unknown>).reason === DISRUPTION_TARGET_REASON
    )
      return true;
  return false;
}

/** The reason of the DisruptionTarget condition this controller writes. */
export const DISRUPTION_TARGET_REASON = 'DeletionByDeviceTaintManager';

function readPod(raw: unknown): PodRecord {
  const obj = asObject(raw, '$');
  const m = metadataOf(obj);
  const name = reqString(m, 'name', '$.metadata');
  const namespace = internParsed(reqString(m, 'namespace', '$.metadata'));
  const uid = reqString(m, 'uid', '$.metadata');
  const resourceVersion = strOrEmpty(m, 'resourceVersion', '$.metadata');
  const spec = optObject(obj, 'spec', '$') ?? NO_FIELDS;
  const status = optObject(obj, 'status', '$') ?? NO_FIELDS;
  const extended = optObject(status, 'extendedResourceClaimStatus', '$.status');
  const group = optObject(spec, 'schedulingGroup', '$.spec');
  return {
    namespace,
    name,
    uid,
    resourceVersion,
    nodeName: internParsed(strOrEmpty(spec, 'nodeName', '$.spec')),
    deletionTimestamp: optTimestamp(m, 'deletionTimestamp', '$.metadata'),
    disruptionTargetSet: hasOurDisruptionTarget(status),
    resourceClaims: readPodClaimSources(optArray(spec, 'resourceClaims', '$.spec')),
    resourceClaimStatuses: readList(
      optArray(status, 'resourceClaimStatuses', '$.status'),
      podClaimStatusPaths,
      readPodClaimStatus,
    ),
    extendedResourceClaimName:
      extended === null
        ? null
        : optString(extended, 'resourceClaimName', '$.status.extendedResourceClaimStatus') || null,
    podGroupName: group === null ? null : optString(group, 'podGroupName', '$.spec.schedulingGroup') || null,
  };
}

export const projectPod: Projector<PodRecord> = projector(readPod, true);
