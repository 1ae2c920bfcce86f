// Which ResourceClaims a pod uses, and whether a claim really belongs to that pod (docs/behaviour.md §2.5 steps 2-5).
// Mirrors k8s.io/dynamic-resource-allocation/resourceclaim: Name, IsForPod, IsReservedForPod.
//
// Workload claims (DRAWorkloadResourceClaims): a pod in a PodGroup may use the group's claims. The
// pod only knows its group by name (`spec.schedulingGroup.podGroupName`), so a claim reserved for
// "podgroups/<that name>" counts as reserved for the pod. When the PodGroup object itself is known we
// also require its UID to match (a re-created group must not inherit the old group's claims); when it
// is not known (yet) the name alone decides, which keeps the outcome independent of informer order.

import type { ClaimRecord, PodClaimSource, PodGroupRecord, PodRecord } from './types.js';

export const PODGROUP_API_GROUP = 'scheduling.k8s.io';
export const PODGROUP_RESOURCE = 'podgroups';

export interface ClaimReference {
  readonly claimName: string;
  /** Generated claims (template, PodGroup, extended resource) must be controlled by the pod (or its group). */
  readonly mustCheckOwner: boolean;
}

/**
 * Resolves the claim names a pod references. Entries whose claim is not created yet, intentionally
 * absent, or of an unsupported kind are skipped: they cannot be tainted.
 */
export function podClaimReferences(
  pod: PodRecord,
  podGroup: PodGroupRecord | null,
  workloadClaims: boolean,
): ClaimReference[] {
  const refs: ClaimReference[] = [];
  for (const source of pod.resourceClaims) {
    const claimName = sourceClaimName(pod, source, podGroup, workloadClaims);
    if (claimName !== null) refs.push({ claimName, mustCheckOwner: sourceMustCheckOwner(source) });
  }
  if (pod.extendedResourceClaimName !== null)
    refs.push({ claimName: pod.extendedResourceClaimName, mustCheckOwner: true });
  return refs;
}

/**
 * The claim name one `spec.resourceClaims[]` entry resolves to, or `null` (see podClaimReferences).
 * Allocation-free, for the engine's per-pod hot path.
 */
export function sourceClaimName(
  pod: PodRecord,
  source: PodClaimSource,
  podGroup: PodGroupRecord | null,
  workloadClaims: boolean,
): string | null {
  if (source.resourceClaimName !== null) return source.resourceClaimName;
  if (source.resourceClaimTemplateName !== null) {
    for (const status of pod.resourceClaimStatuses)
      if (status.name === source.name) return status.resourceClaimName || null;
    return null;
  }
  if (source.podGroupResourceClaim !== null && workloadClaims && podGroup !== null) {
    for (const entry of podGroup.resourceClaims)
      if (entry.name === source.podGroupResourceClaim) return entry.resourceClaimName || null;
  }
  return null;
}

/** Generated claims (everything but a direct `resourceClaimName`) must be controlled by the pod or its group. */
export const sourceMustCheckOwner = (source: PodClaimSource): boolean => source.resourceClaimName === null;

/** IsForPod: same namespace and controlled by the pod (or, with workload claims, by the pod's PodGroup). */
export function claimIsForPod(
  pod: PodRecord,
  claim: ClaimRecord,
  podGroup: PodGroupRecord | null,
  workloadClaims: boolean,
): boolean {
  if (claim.namespace !== pod.namespace || claim.controllerOwnerUid === null) return false;
  if (claim.controllerOwnerUid === pod.uid) return true;
  return workloadClaims && podGroup !== null && claim.controllerOwnerUid === podGroup.uid;
}

/** IsReservedForPod: `status.reservedFor` names this pod incarnation (or its PodGroup). */
export function claimIsReservedForPod(
  pod: PodRecord,
  claim: ClaimRecord,
  podGroup: PodGroupRecord | null,
  workloadClaims: boolean,
): boolean {
  for (const consumer of claim.reservedFor) {
    if (consumer.uid === pod.uid) return true;
    if (
      workloadClaims &&
      pod.podGroupName !== null &&
      consumer.apiGroup === PODGROUP_API_GROUP &&
      consumer.resource === PODGROUP_RESOURCE &&
      consumer.name === pod.podGroupName &&
      (podGroup === null || podGroup.uid === consumer.uid)
    )
      return true;
  }
  return false;
}

export const isPodConsumer = (c: { readonly apiGroup: string; readonly resource: string }): boolean =>
  c.apiGroup === '' && c.resource === 'pods';

export const isPodGroupConsumer = (c: { readonly apiGroup: string; readonly resource: string }): boolean =>
  c.apiGroup === PODGROUP_API_GROUP && c.resource === PODGROUP_RESOURCE;
