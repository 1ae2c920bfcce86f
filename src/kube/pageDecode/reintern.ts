// Records decoded in a pool thread arrive on the main thread as structured clones: every string is a
// fresh copy and every empty array a new object, whereas records projected here share interned
// namespaces, node names, drivers, pools and taint keys and one frozen EMPTY array (intern.ts). With
// 150k pods that sharing is a good part of the cache's size, so cloned records are re-interned in
// place before they are stored. They are freshly cloned and owned by nobody else, hence the mutation.

import { EMPTY, intern } from '../../shared/intern.js';
import { shareAllocation, shareTolerations } from '../../shared/projection/claim.js';
import { sharePodClaimSources } from '../../shared/projection/pod.js';
import { shareSliceDevice } from '../../shared/projection/slice.js';
import type {
  AllocatedDevice,
  ClaimRecord,
  ConsumerRef,
  DeviceTaint,
  PodGroupRecord,
  PodRecord,
  RuleRecord,
  SliceDevice,
  SliceRecord,
} from '../../shared/types.js';
import type { StoredRecord } from '../resources.js';
import type { ProjectorName } from './pageDecoder.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const shared = <T>(list: readonly T[]): readonly T[] => (list.length === 0 ? EMPTY : list);

function internTaints(taints: readonly DeviceTaint[]): readonly DeviceTaint[] {
  for (const t of taints) internTaint(t);
  return shared(taints);
}

function internTaint(t: DeviceTaint): void {
  const m = t as Mutable<DeviceTaint>;
  m.key = intern(t.key);
  m.value = intern(t.value);
  m.effect = intern(t.effect);
}

function internPod(p: Mutable<PodRecord>): void {
  p.namespace = intern(p.namespace);
  p.nodeName = intern(p.nodeName);
  p.resourceClaims = sharePodClaimSources(p.resourceClaims);
  p.resourceClaimStatuses = shared(p.resourceClaimStatuses);
}

function internClaim(c: Mutable<ClaimRecord>): void {
  c.namespace = intern(c.namespace);
  c.reservedFor = shared(c.reservedFor);
  for (const r of c.reservedFor) {
    const m = r as Mutable<ConsumerRef>;
    // The pod a claim is reserved for is usually its owner: one string, as projection here shares it.
    if (r.uid === c.controllerOwnerUid) m.uid = c.controllerOwnerUid;
    m.apiGroup = intern(r.apiGroup);
    m.resource = intern(r.resource);
  }
  if (c.allocation === null) return;
  for (const d of c.allocation) {
    // Frozen = already this thread's shared instance (re-interning twice must be harmless).
    if (Object.isFrozen(d)) continue;
    const m = d as Mutable<AllocatedDevice>;
    m.driver = intern(d.driver);
    m.pool = intern(d.pool);
    m.device = intern(d.device);
    m.request = intern(d.request);
    m.tolerations = shareTolerations(d.tolerations);
  }
  c.allocation = shareAllocation(c.allocation);
}

function internSlice(s: Mutable<SliceRecord>): void {
  s.driver = intern(s.driver);
  s.pool = intern(s.pool);
  s.nodeName = intern(s.nodeName);
  const devices = s.devices as SliceDevice[];
  // A slice cached without its devices (the quarantine placeholder, see shared/projection/slice.ts) shares EMPTY.
  if (devices.length === 0) {
    s.devices = EMPTY;
    return;
  }
  for (let i = 0; i < devices.length; i++) {
    const d = devices[i]!;
    // Frozen = already this thread's shared instance (re-interning twice must be harmless).
    if (Object.isFrozen(d)) continue;
    (d as Mutable<SliceDevice>).taints = internTaints(d.taints);
    devices[i] = shareSliceDevice(d);
  }
}

function internRule(r: Mutable<RuleRecord>): void {
  internTaint(r.taint);
  r.conditions = shared(r.conditions);
}

function internPodGroup(g: Mutable<PodGroupRecord>): void {
  g.namespace = intern(g.namespace);
}

/** Restores the sharing that projection on this thread would have produced; `records` is modified. */
export function reinternRecords(projector: ProjectorName, records: readonly StoredRecord[]): void {
  // The casts are sound because `projector` produced these records (task.ts), and the shapes
  // are those of that projector's record type.
  switch (projector) {
    case 'pod':
      for (const r of records) internPod(r as Mutable<PodRecord>);
      return;
    case 'claim':
      for (const r of records) internClaim(r as Mutable<ClaimRecord>);
      return;
    case 'slice:v1':
    case 'slice:v1beta2':
    case 'slice:v1beta1':
      for (const r of records) internSlice(r as Mutable<SliceRecord>);
      return;
    case 'rule':
      for (const r of records) internRule(r as Mutable<RuleRecord>);
      return;
    case 'podGroup':
      for (const r of records) internPodGroup(r as Mutable<PodGroupRecord>);
      return;
    case 'deviceClass':
      return;
  }
}
