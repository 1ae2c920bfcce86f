// The resources the simulated apiserver serves, with what discovery and routing need to know about
// each. Storage is version-independent: every object is kept in its group's storage version and
// converted at the HTTP boundary (conversion.ts).

export type RuleVersion = 'v1alpha3' | 'v1beta2' | 'v1';
export type DraVersion = 'v1' | 'v1beta2' | 'v1beta1';
/** scheduling.k8s.io PodGroup versions (workload claims); none are served by default. */
export type PodGroupVersion = 'v1' | 'v1beta1' | 'v1alpha2' | 'v1alpha1';

/** Resource ids in kubectl's `resource.group` form (core resources have no group suffix). */
export type SimResource =
  | 'namespaces'
  | 'nodes'
  | 'pods'
  | 'events'
  | 'events.events.k8s.io'
  | 'leases.coordination.k8s.io'
  | 'resourceclaims.resource.k8s.io'
  | 'resourceslices.resource.k8s.io'
  | 'deviceclasses.resource.k8s.io'
  | 'devicetaintrules.resource.k8s.io'
  | 'podgroups.scheduling.k8s.io'
  | 'serviceaccounts'
  | 'configmaps'
  | 'services'
  | 'deployments.apps'
  | 'poddisruptionbudgets.policy'
  | 'priorityclasses.scheduling.k8s.io'
  | 'roles.rbac.authorization.k8s.io'
  | 'rolebindings.rbac.authorization.k8s.io'
  | 'clusterroles.rbac.authorization.k8s.io'
  | 'clusterrolebindings.rbac.authorization.k8s.io'
  | 'selfsubjectaccessreviews.authorization.k8s.io'
  | 'selfsubjectrulesreviews.authorization.k8s.io'
  | 'selfsubjectreviews.authentication.k8s.io'
  | 'tokenreviews.authentication.k8s.io'
  | 'subjectaccessreviews.authorization.k8s.io';

export interface ResourceDef {
  readonly id: SimResource;
  readonly group: string;
  readonly plural: string;
  readonly singular: string;
  readonly kind: string;
  readonly namespaced: boolean;
  /** Has a `/status` subresource: main writes keep status, status writes keep everything else. */
  readonly hasStatus: boolean;
  /** apiVersion of the stored form. */
  readonly storageVersion: string;
  /** Field selector keys beyond metadata.name / metadata.namespace. */
  readonly fieldKeys: readonly string[];
  readonly shortNames?: readonly string[];
  /** Discovery categories (`kubectl get all` lists the "all" category). */
  readonly categories?: readonly string[];
  /** etcd key prefix when it is not the plural (SpecialDefaultResourcePrefixes: nodes are "minions"). */
  readonly etcdPrefix?: string;
  /** Store.ReturnDeletedObject: DELETE answers with the object, not a Status (pods, services). */
  readonly returnsDeleted?: boolean;
  /**
   * A review: create-only, answered from the request and never stored (SelfSubjectAccessReview and
   * friends, whose REST storage implements only rest.Creater).
   */
  readonly review?: boolean;
}

/** Verbs of a stored resource (discovery, OpenAPI). */
export const STORED_VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

export const verbsOf = (def: ResourceDef): readonly string[] => (def.review === true ? ['create'] : STORED_VERBS);

const RESOURCE_GROUP = 'resource.k8s.io';

/** A create-only review kind of `group`/v1 (cluster-scoped, never stored). */
function review(group: string, kind: string): ResourceDef {
  const singular = kind.toLowerCase();
  return {
    id: `${singular}s.${group}` as SimResource,
    group,
    plural: `${singular}s`,
    singular,
    kind,
    namespaced: false,
    hasStatus: false,
    storageVersion: `${group}/v1`,
    fieldKeys: [],
    review: true,
  };
}

export const RESOURCES: readonly ResourceDef[] = [
  {
    id: 'namespaces',
    group: '',
    plural: 'namespaces',
    singular: 'namespace',
    kind: 'Namespace',
    namespaced: false,
    hasStatus: true,
    storageVersion: 'v1',
    fieldKeys: ['status.phase'],
    shortNames: ['ns'],
    returnsDeleted: true,
  },
  {
    id: 'nodes',
    group: '',
    plural: 'nodes',
    singular: 'node',
    kind: 'Node',
    namespaced: false,
    hasStatus: true,
    storageVersion: 'v1',
    fieldKeys: ['spec.unschedulable'],
    shortNames: ['no'],
    etcdPrefix: 'minions',
  },
  {
    id: 'pods',
    group: '',
    plural: 'pods',
    singular: 'pod',
    kind: 'Pod',
    namespaced: true,
    hasStatus: true,
    storageVersion: 'v1',
    fieldKeys: ['spec.nodeName', 'status.phase', 'spec.schedulerName', 'spec.serviceAccountName'],
    shortNames: ['po'],
    categories: ['all'],
    returnsDeleted: true,
  },
  {
    id: 'events',
    group: '',
    plural: 'events',
    singular: 'event',
    kind: 'Event',
    namespaced: true,
    hasStatus: false,
    storageVersion: 'v1',
    fieldKeys: [
      'involvedObject.kind',
      'involvedObject.namespace',
      'involvedObject.name',
      'involvedObject.uid',
      'reason',
      'type',
    ],
    shortNames: ['ev'],
  },
  {
    id: 'events.events.k8s.io',
    group: 'events.k8s.io',
    plural: 'events',
    singular: 'event',
    kind: 'Event',
    namespaced: true,
    hasStatus: false,
    storageVersion: 'events.k8s.io/v1',
    fieldKeys: ['regarding.kind', 'regarding.namespace', 'regarding.name', 'regarding.uid', 'reason', 'type'],
    shortNames: ['ev'],
  },
  {
    id: 'leases.coordination.k8s.io',
    group: 'coordination.k8s.io',
    plural: 'leases',
    singular: 'lease',
    kind: 'Lease',
    namespaced: true,
    hasStatus: false,
    storageVersion: 'coordination.k8s.io/v1',
    fieldKeys: [],
  },
  {
    id: 'resourceclaims.resource.k8s.io',
    group: RESOURCE_GROUP,
    plural: 'resourceclaims',
    singular: 'resourceclaim',
    kind: 'ResourceClaim',
    namespaced: true,
    hasStatus: true,
    storageVersion: `${RESOURCE_GROUP}/v1`,
    fieldKeys: [],
  },
  {
    id: 'resourceslices.resource.k8s.io',
    group: RESOURCE_GROUP,
    plural: 'resourceslices',
    singular: 'resourceslice',
    kind: 'ResourceSlice',
    namespaced: false,
    hasStatus: false,
    storageVersion: `${RESOURCE_GROUP}/v1`,
    fieldKeys: ['spec.nodeName', 'spec.driver'],
  },
  {
    id: 'deviceclasses.resource.k8s.io',
    group: RESOURCE_GROUP,
    plural: 'deviceclasses',
    singular: 'deviceclass',
    kind: 'DeviceClass',
    namespaced: false,
    hasStatus: false,
    storageVersion: `${RESOURCE_GROUP}/v1`,
    fieldKeys: [],
  },
  {
    id: 'devicetaintrules.resource.k8s.io',
    group: RESOURCE_GROUP,
    plural: 'devicetaintrules',
    singular: 'devicetaintrule',
    kind: 'DeviceTaintRule',
    namespaced: false,
    hasStatus: true,
    storageVersion: `${RESOURCE_GROUP}/v1`,
    fieldKeys: [],
  },
  {
    id: 'podgroups.scheduling.k8s.io',
    group: 'scheduling.k8s.io',
    plural: 'podgroups',
    singular: 'podgroup',
    kind: 'PodGroup',
    namespaced: true,
    hasStatus: true,
    storageVersion: 'scheduling.k8s.io/v1beta1',
    fieldKeys: [],
  },
  // The kinds deploy/ installs the controller with (kubectl apply -k deploy/).
  {
    id: 'serviceaccounts',
    group: '',
    plural: 'serviceaccounts',
    singular: 'serviceaccount',
    kind: 'ServiceAccount',
    namespaced: true,
    hasStatus: false,
    storageVersion: 'v1',
    fieldKeys: [],
    shortNames: ['sa'],
  },
  {
    id: 'configmaps',
    group: '',
    plural: 'configmaps',
    singular: 'configmap',
    kind: 'ConfigMap',
    namespaced: true,
    hasStatus: false,
    storageVersion: 'v1',
    fieldKeys: [],
    shortNames: ['cm'],
  },
  {
    id: 'services',
    group: '',
    plural: 'services',
    singular: 'service',
    kind: 'Service',
    namespaced: true,
    hasStatus: true,
    storageVersion: 'v1',
    fieldKeys: [],
    shortNames: ['svc'],
    categories: ['all'],
    etcdPrefix: 'services/specs',
    returnsDeleted: true,
  },
  {
    id: 'deployments.apps',
    group: 'apps',
    plural: 'deployments',
    singular: 'deployment',
    kind: 'Deployment',
    namespaced: true,
    hasStatus: true,
    storageVersion: 'apps/v1',
    fieldKeys: [],
    shortNames: ['deploy'],
    categories: ['all'],
  },
  {
    id: 'poddisruptionbudgets.policy',
    group: 'policy',
    plural: 'poddisruptionbudgets',
    singular: 'poddisruptionbudget',
    kind: 'PodDisruptionBudget',
    namespaced: true,
    hasStatus: true,
    storageVersion: 'policy/v1',
    fieldKeys: [],
    shortNames: ['pdb'],
  },
  {
    // Served at scheduling.k8s.io/v1 always, as kube-apiserver does (PodGroups there are optional).
    id: 'priorityclasses.scheduling.k8s.io',
    group: 'scheduling.k8s.io',
    plural: 'priorityclasses',
    singular: 'priorityclass',
    kind: 'PriorityClass',
    namespaced: false,
    hasStatus: false,
    storageVersion: 'scheduling.k8s.io/v1',
    fieldKeys: [],
    shortNames: ['pc'],
  },
  ...(['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'] as const).map(
    (kind): ResourceDef => ({
      id: `${kind.toLowerCase()}s.rbac.authorization.k8s.io` as SimResource,
      group: 'rbac.authorization.k8s.io',
      plural: `${kind.toLowerCase()}s`,
      singular: kind.toLowerCase(),
      kind,
      namespaced: !kind.startsWith('Cluster'),
      hasStatus: false,
      storageVersion: 'rbac.authorization.k8s.io/v1',
      fieldKeys: [],
    }),
  ),
  review('authorization.k8s.io', 'SelfSubjectAccessReview'),
  review('authorization.k8s.io', 'SelfSubjectRulesReview'),
  review('authentication.k8s.io', 'SelfSubjectReview'),
  // What a delegating authenticator/authorizer (kube-controller-manager's secure port, controller-
  // runtime's metrics filter) sends: answered from the token and the configured authorizer.
  review('authentication.k8s.io', 'TokenReview'),
  review('authorization.k8s.io', 'SubjectAccessReview'),
];

const byId = new Map<SimResource, ResourceDef>(RESOURCES.map((r) => [r.id, r]));

export function resourceDef(id: SimResource): ResourceDef {
  const def = byId.get(id);
  if (def === undefined) throw new Error(`unknown simulated resource ${id}`);
  return def;
}

/** Versions of a group this server instance serves, newest (preferred) first. */
export interface ServedVersions {
  readonly ruleVersions: readonly RuleVersion[];
  readonly draVersions: readonly DraVersion[];
  readonly podGroupVersions?: readonly PodGroupVersion[];
}

const DRA_RESOURCES = new Set<SimResource>([
  'resourceclaims.resource.k8s.io',
  'resourceslices.resource.k8s.io',
  'deviceclasses.resource.k8s.io',
]);

const VERSION_ORDER = ['v1', 'v1beta2', 'v1beta1', 'v1alpha3', 'v1alpha2', 'v1alpha1'];

/** Versions at which `def` is served, preferred first. */
export function versionsOf(def: ResourceDef, served: ServedVersions): string[] {
  if (def.id === 'devicetaintrules.resource.k8s.io') return sortVersions(served.ruleVersions);
  if (DRA_RESOURCES.has(def.id)) return sortVersions(served.draVersions);
  if (def.id === 'podgroups.scheduling.k8s.io') return sortVersions(served.podGroupVersions ?? []);
  return ['v1'];
}

const sortVersions = (vs: readonly string[]): string[] =>
  [...new Set(vs)].sort((a, b) => VERSION_ORDER.indexOf(a) - VERSION_ORDER.indexOf(b));

/** Finds the resource served at `group/version` with `plural`, or undefined. */
export function lookupResource(
  group: string,
  version: string,
  plural: string,
  served: ServedVersions,
): ResourceDef | undefined {
  for (const def of RESOURCES) {
    if (def.group === group && def.plural === plural && versionsOf(def, served).includes(version)) return def;
  }
  return undefined;
}

/** Every (group, version) pair served, with its resources. */
export function servedGroupVersions(served: ServedVersions): Map<string, Map<string, ResourceDef[]>> {
  const groups = new Map<string, Map<string, ResourceDef[]>>();
  for (const def of RESOURCES) {
    for (const v of versionsOf(def, served)) {
      let versions = groups.get(def.group);
      if (versions === undefined) {
        versions = new Map();
        groups.set(def.group, versions);
      }
      const list = versions.get(v) ?? [];
      list.push(def);
      versions.set(v, list);
    }
  }
  for (const [g, versions] of groups) {
    groups.set(g, new Map([...versions].sort((a, b) => VERSION_ORDER.indexOf(a[0]) - VERSION_ORDER.indexOf(b[0]))));
  }
  return groups;
}

export const apiVersionOf = (group: string, version: string): string =>
  group === '' ? version : `${group}/${version}`;
