// PodGroups (scheduling.k8s.io) → PodGroupRecord, for workload claims: the group's claims with their
// names resolved.

import { asObject, NO_FIELDS, optArray, optObject, optString, reqString } from '../jsonShape.js';
import type { PodGroupRecord } from '../types.js';
import { readPodClaimStatus } from './pod.js';
import { type Projector, projector, readMeta } from './projector.js';

/**
 * scheduling.k8s.io PodGroup. A group claim names a ResourceClaim directly or a template whose
 * generated claim is recorded in `status.resourceClaimStatuses`; the record holds the resolved name
 * (`null` while not generated yet), so the decision code never needs the template indirection.
 */
export const projectPodGroup: Projector<PodGroupRecord> = projector((raw) => {
  const { meta, obj } = readMeta(raw, true);
  const spec = optObject(obj, 'spec', '$') ?? NO_FIELDS;
  const status = optObject(obj, 'status', '$') ?? NO_FIELDS;
  const generated = new Map<string, string | null>();
  optArray(status, 'resourceClaimStatuses', '$.status').forEach((s, i) => {
    const st = readPodClaimStatus(s, `$.status.resourceClaimStatuses[${i}]`);
    generated.set(st.name, st.resourceClaimName);
  });
  const resourceClaims = optArray(spec, 'resourceClaims', '$.spec').map((c, i) => {
    const path = `$.spec.resourceClaims[${i}]`;
    const co = asObject(c, path);
    const name = reqString(co, 'name', path);
    const direct = optString(co, 'resourceClaimName', path);
    return { name, resourceClaimName: direct || (generated.get(name) ?? null) };
  });
  return { ...meta, resourceClaims };
}, true);
