// What the reflector needs to know about each resource it lists and watches: where it lives, how to
// project it and how to key it. Versions come from discovery (discovery.ts), never hard-coded here.

import { projectClaim } from '../shared/projection/claim.js';
import { projectDeviceClass } from '../shared/projection/deviceClass.js';
import { projectPod } from '../shared/projection/pod.js';
import { projectPodGroup } from '../shared/projection/podGroup.js';
import type { Projector } from '../shared/projection/projector.js';
import { projectRule } from '../shared/projection/rule.js';
import { type DeviceLayoutVersion, makeSliceProjector } from '../shared/projection/slice.js';
import type {
  ClaimRecord,
  DeviceClassRecord,
  PodGroupRecord,
  PodRecord,
  RuleRecord,
  SliceRecord,
} from '../shared/types.js';

/** Every projected record carries these; the reflector keys and diffs on them. */
export interface StoredRecord {
  /** Set (non-empty) exactly for namespaced resources. */
  readonly namespace?: string;
  readonly name: string;
  readonly resourceVersion: string;
}

export interface ResourceDescriptor<T extends StoredRecord> {
  /** "" for the core group. */
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly namespaced: boolean;
  readonly project: Projector<T>;
}

/** Cache key: `namespace/name` for namespaced objects (client-go's MetaNamespaceKeyFunc), else `name`. */
export function keyOf(rec: StoredRecord): string {
  return rec.namespace ? `${rec.namespace}/${rec.name}` : rec.name;
}

/** Cluster-wide collection path: `/api/v1/pods`, `/apis/resource.k8s.io/v1/resourceslices`. */
export function collectionPath(r: {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
}): string {
  return r.group === '' ? `/api/${r.version}/${r.plural}` : `/apis/${r.group}/${r.version}/${r.plural}`;
}

/** `group/version/plural` for logs and metrics labels. */
export function resourceId(r: { readonly group: string; readonly version: string; readonly plural: string }): string {
  return r.group === '' ? `${r.version}/${r.plural}` : `${r.group}/${r.version}/${r.plural}`;
}

export const RESOURCE_GROUP = 'resource.k8s.io';
export const SCHEDULING_GROUP = 'scheduling.k8s.io';

export type DraVersion = DeviceLayoutVersion;
export type RuleVersion = 'v1' | 'v1beta2' | 'v1alpha3';

export const podsResource: ResourceDescriptor<PodRecord> = {
  group: '',
  version: 'v1',
  plural: 'pods',
  namespaced: true,
  project: projectPod,
};

export const claimsResource = (version: DraVersion): ResourceDescriptor<ClaimRecord> => ({
  group: RESOURCE_GROUP,
  version,
  plural: 'resourceclaims',
  namespaced: true,
  project: projectClaim,
});

export const slicesResource = (version: DraVersion): ResourceDescriptor<SliceRecord> => ({
  group: RESOURCE_GROUP,
  version,
  plural: 'resourceslices',
  namespaced: false,
  project: makeSliceProjector(version),
});

export const deviceClassesResource = (version: DraVersion): ResourceDescriptor<DeviceClassRecord> => ({
  group: RESOURCE_GROUP,
  version,
  plural: 'deviceclasses',
  namespaced: false,
  project: projectDeviceClass,
});

export const rulesResource = (version: RuleVersion): ResourceDescriptor<RuleRecord> => ({
  group: RESOURCE_GROUP,
  version,
  plural: 'devicetaintrules',
  namespaced: false,
  project: projectRule,
});

export const podGroupsResource = (version: string): ResourceDescriptor<PodGroupRecord> => ({
  group: SCHEDULING_GROUP,
  version,
  plural: 'podgroups',
  namespaced: true,
  project: projectPodGroup,
});
