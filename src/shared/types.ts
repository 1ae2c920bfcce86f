// Compact projections of the Kubernetes objects the controller reads. Only the fields that the
// decision algorithm (docs/behaviour.md §1.3, §2) uses are kept: whole objects are never cached, so 150k pods
// stay small. Projection from raw API JSON lives in `projection/`; everything here is plain data.
//
// Times are milliseconds since the Unix epoch (number), never Date objects: they cross thread
// boundaries and sit in heaps by the hundred thousand.

/** Namespaced identity of a pod including its UID: a same-name replacement is a different pod. */
export interface PodRef {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
}

/** A device taint as published in a ResourceSlice device or a DeviceTaintRule. */
export interface DeviceTaint {
  readonly key: string;
  /** Empty string when absent. */
  readonly value: string;
  /** "NoExecute", "NoSchedule", "None" or anything else (unknown effects behave like None). */
  readonly effect: string;
  /** The apiserver defaults it; `null` when a (malformed or old) object lacks it. See timeAdded policy in evictionTime.ts. */
  readonly timeAdded: number | null;
}

/** A toleration as copied into a claim's allocation result. */
export interface DeviceToleration {
  /** Empty string = all keys. */
  readonly key: string;
  /** "Equal" (default when empty), "Exists", or anything else (never matches). */
  readonly operator: string;
  readonly value: string;
  /** Empty string = all effects (but ignored by eviction: only literal NoExecute counts, docs/behaviour.md §2.4). */
  readonly effect: string;
  /** `null` = tolerate forever. */
  readonly tolerationSeconds: number | null;
}

export interface DeviceId {
  readonly driver: string;
  readonly pool: string;
  readonly device: string;
}

export interface AllocatedDevice extends DeviceId {
  readonly request: string;
  readonly tolerations: readonly DeviceToleration[];
}

/** `status.reservedFor[]` entry. Pods: apiGroup "" resource "pods"; PodGroups: "scheduling.k8s.io"/"podgroups". */
export interface ConsumerRef {
  readonly apiGroup: string;
  readonly resource: string;
  readonly name: string;
  readonly uid: string;
}

export interface ClaimRecord {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly resourceVersion: string;
  /** UID of the owner reference with `controller: true`, if any. */
  readonly controllerOwnerUid: string | null;
  /** `null` when the claim has no `status.allocation`. */
  readonly allocation: readonly AllocatedDevice[] | null;
  readonly reservedFor: readonly ConsumerRef[];
}

/** `spec.resourceClaims[]` entry of a pod: `name` plus exactly one source. */
export interface PodClaimSource {
  readonly name: string;
  readonly resourceClaimName: string | null;
  readonly resourceClaimTemplateName: string | null;
  readonly podGroupResourceClaim: string | null;
}

/** `status.resourceClaimStatuses[]` entry; `resourceClaimName: null` means "intentionally no claim". */
export interface PodClaimStatus {
  readonly name: string;
  readonly resourceClaimName: string | null;
}

export interface PodRecord extends PodRef {
  readonly resourceVersion: string;
  /** Empty string when unscheduled. */
  readonly nodeName: string;
  /** Milliseconds since epoch, or `null` when the pod is not being deleted. */
  readonly deletionTimestamp: number | null;
  /**
   * The pod carries our `DisruptionTarget` condition already (status True, reason
   * DeletionByDeviceTaintManager): an eviction retry skips the status patch, as upstream's
   * UpdatePodCondition finds nothing to change.
   */
  readonly disruptionTargetSet: boolean;
  readonly resourceClaims: readonly PodClaimSource[];
  readonly resourceClaimStatuses: readonly PodClaimStatus[];
  /** `status.extendedResourceClaimStatus.resourceClaimName`, or `null`. */
  readonly extendedResourceClaimName: string | null;
  /** `spec.schedulingGroup.podGroupName`, or `null`. */
  readonly podGroupName: string | null;
}

export interface SliceDevice {
  readonly name: string;
  readonly taints: readonly DeviceTaint[];
}

export interface SliceRecord {
  readonly name: string;
  readonly uid: string;
  readonly resourceVersion: string;
  readonly driver: string;
  readonly pool: string;
  readonly generation: number;
  readonly nodeName: string;
  readonly devices: readonly SliceDevice[];
}

/** `spec.deviceSelector`; each field optional, all set fields must match. */
export interface DeviceSelector {
  readonly driver?: string;
  readonly pool?: string;
  readonly device?: string;
}

export interface RuleCondition {
  readonly type: string;
  readonly status: string;
  readonly reason: string;
  readonly message: string;
  readonly observedGeneration: number;
  readonly lastTransitionTime: number;
}

export interface RuleRecord {
  readonly name: string;
  readonly uid: string;
  readonly resourceVersion: string;
  readonly generation: number;
  /** `null` = absent selector (matches nothing); `{}` matches every device (dangerous, logged). */
  readonly selector: DeviceSelector | null;
  readonly taint: DeviceTaint;
  readonly conditions: readonly RuleCondition[];
  /**
   * The rule's own start rate for the evictions it causes, from the annotation
   * `device-taint-evictor.io/max-evictions-per-minute`; `null` = none.
   */
  readonly startLimit: RuleStartLimit | null;
}

/** A DeviceTaintRule's start-rate annotation as read. */
export interface RuleStartLimit {
  /** Evictions per minute the rule may start. */
  readonly perMinute: number;
  /**
   * The annotation's text when it is not a positive number: then `perMinute` is the most cautious
   * limit (1), and the operator is told so. `null` when it was read as written.
   */
  readonly invalid: string | null;
}

/** PodGroup projection (scheduling.k8s.io), only used with workload claims enabled. */
export interface PodGroupRecord {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly resourceVersion: string;
  /** PodGroup-level claims: `name` → claim name (the group's resolved claim). */
  readonly resourceClaims: readonly { readonly name: string; readonly resourceClaimName: string | null }[];
}

export interface DeviceClassRecord {
  readonly name: string;
  readonly uid: string;
  readonly resourceVersion: string;
}

export const podKey = (ref: { readonly namespace: string; readonly name: string }): string =>
  `${ref.namespace}/${ref.name}`;

/** Key of a pod *incarnation*: includes the UID so a same-name replacement never aliases. */
export const podUidKey = (ref: PodRef): string => `${ref.namespace}/${ref.name}/${ref.uid}`;
