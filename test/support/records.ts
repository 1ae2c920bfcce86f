// The one factory for compact records (src/shared/types.ts) in tests and benchmarks: every field
// filled with a neutral default, the caller overriding what its case is about. A test that builds a
// PodRecord by hand would have to change with every new field; one built here does not.
//
// Defaults: namespace `default`, resourceVersion `1`, generation 1, uid `uid-<name>`; a pod is
// scheduled on node `node` and uses no claims; a claim is unallocated and reserved for nobody; a
// slice's node is its pool; a rule selects nothing (absent selector) and carries a NoExecute taint.
// Upstream's named scenario fixtures are built on these in test/engine/fixtures.ts.

import type {
  AllocatedDevice,
  ClaimRecord,
  ConsumerRef,
  DeviceTaint,
  DeviceToleration,
  PodClaimSource,
  PodRecord,
  PodRef,
  RuleRecord,
  SliceDevice,
  SliceRecord,
} from '../../src/shared/types.js';

// ---- Taints and tolerations --------------------------------------------------------------------

export const deviceTaint = (t: Partial<DeviceTaint> = {}): DeviceTaint => ({
  key: 'example.com/taint',
  value: '',
  effect: 'NoExecute',
  timeAdded: null,
  ...t,
});

/** Empty key/operator/value/effect and no tolerationSeconds (tolerate forever) unless overridden. */
export const toleration = (t: Partial<DeviceToleration> = {}): DeviceToleration => ({
  key: '',
  operator: '',
  value: '',
  effect: '',
  tolerationSeconds: null,
  ...t,
});

/** `operator: Exists` on `key` for NoExecute, `seconds` long (`null` = forever). */
export const toleratesFor = (key: string, seconds: number | null): DeviceToleration =>
  toleration({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds });

// ---- Slices -------------------------------------------------------------------------------------

/** Untainted devices by name. */
export const sliceDevices = (names: readonly string[]): SliceDevice[] => names.map((name) => ({ name, taints: [] }));

export const sliceRecord = (s: Partial<SliceRecord> & Pick<SliceRecord, 'driver' | 'pool'>): SliceRecord => {
  const name = s.name ?? `${s.pool}-${s.driver}`;
  return {
    name,
    uid: `uid-${name}`,
    resourceVersion: '1',
    generation: 1,
    nodeName: s.pool,
    devices: [],
    ...s,
  };
};

// ---- Claims -------------------------------------------------------------------------------------

export const allocatedDevice = (
  d: Partial<AllocatedDevice> & Pick<AllocatedDevice, 'driver' | 'pool' | 'device'>,
): AllocatedDevice => ({ request: 'req-1', tolerations: [], ...d });

/** A `reservedFor` entry naming a pod. */
export const podConsumer = (name: string, uid: string): ConsumerRef => ({ apiGroup: '', resource: 'pods', name, uid });

export const claimRecord = (c: Partial<ClaimRecord> = {}): ClaimRecord => {
  const name = c.name ?? 'claim';
  return {
    namespace: 'default',
    name,
    uid: `uid-${name}`,
    resourceVersion: '1',
    controllerOwnerUid: null,
    allocation: null,
    reservedFor: [],
    ...c,
  };
};

/** An allocated claim in `pod`'s namespace, reserved for it (and owned by nobody unless `c` says so). */
export const claimReservedFor = (
  pod: PodRef,
  allocation: readonly AllocatedDevice[],
  c: Partial<ClaimRecord> = {},
): ClaimRecord =>
  claimRecord({ namespace: pod.namespace, allocation, reservedFor: [podConsumer(pod.name, pod.uid)], ...c });

// ---- Pods ---------------------------------------------------------------------------------------

/** `spec.resourceClaims[]` entry naming a claim directly. */
export const claimByName = (name: string, resourceClaimName: string): PodClaimSource => ({
  name,
  resourceClaimName,
  resourceClaimTemplateName: null,
  podGroupResourceClaim: null,
});

/** `spec.resourceClaims[]` entry created from a template (the claim's name comes from the pod status). */
export const claimFromTemplate = (name: string, resourceClaimTemplateName: string): PodClaimSource => ({
  name,
  resourceClaimName: null,
  resourceClaimTemplateName,
  podGroupResourceClaim: null,
});

export const podRecord = (p: Partial<PodRecord> = {}): PodRecord => {
  const name = p.name ?? 'pod';
  return {
    namespace: 'default',
    name,
    uid: `uid-${name}`,
    resourceVersion: '1',
    nodeName: 'node',
    deletionTimestamp: null,
    disruptionTargetSet: false,
    resourceClaims: [],
    resourceClaimStatuses: [],
    extendedResourceClaimName: null,
    podGroupName: null,
    ...p,
  };
};

/** A scheduled pod whose one `spec.resourceClaims` entry (`entry`) names `claimName`. */
export const podUsingClaim = (claimName: string, p: Partial<PodRecord> = {}, entry = 'gpu'): PodRecord =>
  podRecord({ resourceClaims: [claimByName(entry, claimName)], ...p });

// ---- Rules --------------------------------------------------------------------------------------

export const ruleRecord = (r: Partial<RuleRecord> = {}): RuleRecord => {
  const name = r.name ?? 'rule';
  return {
    name,
    uid: `uid-${name}`,
    resourceVersion: '1',
    generation: 1,
    selector: null,
    taint: deviceTaint(),
    conditions: [],
    startLimit: null,
    ...r,
  };
};
