// Table columns per resource, as kube-apiserver's printers declare them
// (pkg/printers/internalversion/printers.go AddHandlers; rest.defaultTableConvertor for kinds without
// a printer). Priority 1 columns are the ones `kubectl get -o wide` adds.

import { FIELD_DOCS } from './descriptions.js';

export interface ColumnDefinition {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'boolean' | 'date' | 'number';
  readonly format: string;
  readonly description: string;
  readonly priority: number;
}

const col = (
  name: string,
  type: ColumnDefinition['type'],
  doc: string,
  priority = 0,
  format = '',
): ColumnDefinition => ({
  name,
  type,
  format,
  description: FIELD_DOCS[doc] ?? doc,
  priority,
});

const NAME = col('Name', 'string', 'ObjectMeta.name', 0, 'name');
const AGE = col('Age', 'string', 'ObjectMeta.creationTimestamp');
const TEMPLATE_COLUMNS = [
  col('Containers', 'string', 'Names of each container in the template.', 1),
  col('Images', 'string', 'Images referenced by each container in the template.', 1),
];

/** rest.NewDefaultTableConvertor: name and creation time, for kinds without a printer. */
export const DEFAULT_COLUMNS: readonly ColumnDefinition[] = [
  NAME,
  col('Created At', 'date', 'ObjectMeta.creationTimestamp'),
];

export const COLUMNS: Readonly<Record<string, readonly ColumnDefinition[]>> = {
  pods: [
    NAME,
    col('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
    col('Status', 'string', 'The aggregate status of the containers in this pod.'),
    col(
      'Restarts',
      'string',
      'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
    ),
    AGE,
    col('IP', 'string', 'PodStatus.podIP', 1),
    col('Node', 'string', 'PodSpec.nodeName', 1),
    col('Nominated Node', 'string', 'PodStatus.nominatedNodeName', 1),
    col('Readiness Gates', 'string', 'PodSpec.readinessGates', 1),
  ],
  nodes: [
    NAME,
    col('Status', 'string', 'The status of the node'),
    col('Roles', 'string', 'The roles of the node'),
    AGE,
    col('Version', 'string', 'NodeSystemInfo.kubeletVersion'),
    col('Internal-IP', 'string', 'NodeStatus.addresses', 1),
    col('External-IP', 'string', 'NodeStatus.addresses', 1),
    col('OS-Image', 'string', 'NodeSystemInfo.osImage', 1),
    col('Kernel-Version', 'string', 'NodeSystemInfo.kernelVersion', 1),
    col('Container-Runtime', 'string', 'NodeSystemInfo.containerRuntimeVersion', 1),
  ],
  namespaces: [NAME, col('Status', 'string', 'The status of the namespace'), AGE],
  events: [
    col('Last Seen', 'string', 'Event.lastTimestamp'),
    col('Type', 'string', 'Event.type'),
    col('Reason', 'string', 'Event.reason'),
    col('Object', 'string', 'Event.involvedObject'),
    col('Subobject', 'string', 'ObjectReference.fieldPath', 1),
    col('Source', 'string', 'Event.source', 1),
    col('Message', 'string', 'Event.message'),
    col('First Seen', 'string', 'Event.firstTimestamp', 1),
    col('Count', 'string', 'Event.count', 1),
    { ...NAME, priority: 1 },
  ],
  serviceaccounts: [NAME, col('Secrets', 'string', 'ServiceAccount.secrets'), AGE],
  configmaps: [NAME, col('Data', 'string', 'ConfigMap.data'), AGE],
  services: [
    NAME,
    col('Type', 'string', 'ServiceSpec.type'),
    col('Cluster-IP', 'string', 'ServiceSpec.clusterIP'),
    col('External-IP', 'string', 'ServiceSpec.externalIPs'),
    col('Port(s)', 'string', 'ServiceSpec.ports'),
    AGE,
    col('Selector', 'string', 'ServiceSpec.selector', 1),
  ],
  'leases.coordination.k8s.io': [NAME, col('Holder', 'string', 'LeaseSpec.holderIdentity'), AGE],
  'deployments.apps': [
    NAME,
    col('Ready', 'string', 'Number of the pod with ready state'),
    col('Up-to-date', 'string', 'DeploymentStatus.updatedReplicas'),
    col('Available', 'string', 'DeploymentStatus.availableReplicas'),
    AGE,
    ...TEMPLATE_COLUMNS,
    col('Selector', 'string', 'DeploymentSpec.selector', 1),
  ],
  'poddisruptionbudgets.policy': [
    NAME,
    col('Min Available', 'string', 'The minimum number of pods that must be available.'),
    col('Max Unavailable', 'string', 'The maximum number of pods that may be unavailable.'),
    col('Allowed Disruptions', 'integer', 'Calculated number of pods that may be disrupted at this time.'),
    AGE,
  ],
  'priorityclasses.scheduling.k8s.io': [
    NAME,
    col('Value', 'integer', 'PriorityClass.value'),
    col('Global-Default', 'boolean', 'PriorityClass.globalDefault'),
    AGE,
    col('PreemptionPolicy', 'string', 'PriorityClass.preemptionPolicy'),
  ],
  'rolebindings.rbac.authorization.k8s.io': [
    NAME,
    col('Role', 'string', 'RoleBinding.roleRef'),
    AGE,
    col('Users', 'string', 'Users in the roleBinding', 1),
    col('Groups', 'string', 'Groups in the roleBinding', 1),
    col('ServiceAccounts', 'string', 'ServiceAccounts in the roleBinding', 1),
  ],
  'clusterrolebindings.rbac.authorization.k8s.io': [
    NAME,
    col('Role', 'string', 'ClusterRoleBinding.roleRef'),
    AGE,
    col('Users', 'string', 'Users in the clusterRoleBinding', 1),
    col('Groups', 'string', 'Groups in the clusterRoleBinding', 1),
    col('ServiceAccounts', 'string', 'ServiceAccounts in the clusterRoleBinding', 1),
  ],
  'deviceclasses.resource.k8s.io': [NAME, AGE],
  'resourceclaims.resource.k8s.io': [
    NAME,
    col('State', 'string', 'A summary of the current state (allocated, pending, reserved, etc.).'),
    AGE,
  ],
  'resourceslices.resource.k8s.io': [
    NAME,
    col('Node', 'string', 'ResourceSliceSpec.nodeName'),
    col('Driver', 'string', 'ResourceSliceSpec.driver'),
    col('Pool', 'string', 'ResourcePool.name'),
    AGE,
  ],
};
