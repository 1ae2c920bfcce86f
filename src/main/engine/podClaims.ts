// Which of a pod's claims really are its, and the pod's eviction as the union of theirs
// (docs/behaviour.md §2.5 steps 1–6): a claim named by the pod (directly, through a template's status
// entry, a PodGroup claim or the extended-resource status) counts only when it is allocated, owned by
// the pod where ownership must be checked, and reserved for this incarnation of the pod (a same-name
// replacement must not inherit the old pod's claim). The None dry run asks the same question the
// other way round (usesClaim).

import {
  claimIsForPod,
  claimIsReservedForPod,
  sourceClaimName,
  sourceMustCheckOwner,
} from '../../shared/claimResolution.js';
import { type Eviction, mergeEvictions } from '../../shared/evictionTime.js';
import type { ClaimRecord, PodGroupRecord, PodRecord } from '../../shared/types.js';
import type { AllocatedClaim, AllocatedClaims } from './allocatedClaims.js';

export class PodClaims {
  constructor(
    private readonly claims: AllocatedClaims,
    /** `namespace/name` → PodGroup, kept by the engine's PodGroup handlers. */
    private readonly podGroups: ReadonlyMap<string, PodGroupRecord>,
    /** DRAWorkloadResourceClaims: claims reserved for / owned by PodGroups. */
    readonly workloadClaims: boolean,
  ) {}

  /** The pod's PodGroup, when workload claims are on and the group is known. */
  groupOf(pod: PodRecord): PodGroupRecord | null {
    if (!this.workloadClaims || pod.podGroupName === null) return null;
    return this.podGroups.get(`${pod.namespace}/${pod.podGroupName}`) ?? null;
  }

  /**
   * Eviction of one pod: the union over the claims it really uses. `hint`: a tracked claim entry the
   * pod may use, which saves looking it up.
   */
  eviction(pod: PodRecord, hint: AllocatedClaim | null): Eviction | null {
    if (pod.nodeName === '') return null;
    const group = this.groupOf(pod);
    let eviction: Eviction | null = null;
    // The claims of podClaimReferences, in its order, without building the reference list.
    for (const source of pod.resourceClaims) {
      const claimName = sourceClaimName(pod, source, group, this.workloadClaims);
      if (claimName !== null)
        eviction = this.withClaimEviction(eviction, pod, claimName, sourceMustCheckOwner(source), group, hint);
    }
    if (pod.extendedResourceClaimName !== null)
      eviction = this.withClaimEviction(eviction, pod, pod.extendedResourceClaimName, true, group, hint);
    return eviction;
  }

  /** Whether `claim` is one of the claims the pod really uses. */
  usesClaim(pod: PodRecord, claim: ClaimRecord): boolean {
    if (claim.namespace !== pod.namespace) return false;
    const group = this.groupOf(pod);
    for (const source of pod.resourceClaims)
      if (
        sourceClaimName(pod, source, group, this.workloadClaims) === claim.name &&
        this.belongsToPod(pod, claim, sourceMustCheckOwner(source), group)
      )
        return true;
    return pod.extendedResourceClaimName === claim.name && this.belongsToPod(pod, claim, true, group);
  }

  private withClaimEviction(
    eviction: Eviction | null,
    pod: PodRecord,
    claimName: string,
    mustCheckOwner: boolean,
    group: PodGroupRecord | null,
    hint: AllocatedClaim | null,
  ): Eviction | null {
    const allocated =
      hint !== null && hint.claim.name === claimName && hint.claim.namespace === pod.namespace
        ? hint
        : this.claims.get(pod.namespace, claimName);
    if (allocated === undefined || allocated.eviction === null) return eviction;
    if (!this.belongsToPod(pod, allocated.claim, mustCheckOwner, group)) return eviction;
    return mergeEvictions(eviction, allocated.eviction);
  }

  private belongsToPod(pod: PodRecord, claim: ClaimRecord, mustCheckOwner: boolean, group: PodGroupRecord | null) {
    if (mustCheckOwner && !claimIsForPod(pod, claim, group, this.workloadClaims)) return false;
    // A same-name replacement pod must not inherit the old incarnation's claim.
    return claimIsReservedForPod(pod, claim, group, this.workloadClaims);
  }
}
