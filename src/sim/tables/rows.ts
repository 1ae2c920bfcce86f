// Table cells per resource: the print functions of pkg/printers/internalversion/printers.go, run
// the way the apiserver runs them (always Wide, so priority-1 cells are present), on plain JSON.

import { getPath, isObject, type JsonObject, type JsonValue } from '../json.js';
import { age, arr, meta, num, objs, type Printer, type Row, since, str } from './cells.js';
import { printPod } from './podRow.js';

export { humanDuration } from './cells.js';

// labels.FormatLabels: sorted k=v pairs, "<none>" when empty.
function formatLabels(m: JsonValue | undefined): string {
  if (!isObject(m) || Object.keys(m).length === 0) return '<none>';
  return Object.keys(m)
    .sort()
    .map((k) => `${k}=${str(m[k])}`)
    .join(',');
}

// metav1.LabelSelectorAsSelector(...).String(): matchLabels as k=v, expressions as set-based terms.
function formatSelector(sel: JsonValue | undefined): string {
  if (!isObject(sel)) return '';
  const terms: [string, string][] = [];
  const ml = isObject(sel.matchLabels) ? sel.matchLabels : {};
  for (const k of Object.keys(ml)) terms.push([k, `${k}=${str(ml[k])}`]);
  for (const e of objs(sel.matchExpressions)) {
    const values = arr(e.values).map(str).sort().join(',');
    const key = str(e.key);
    if (e.operator === 'In') terms.push([key, `${key} in (${values})`]);
    else if (e.operator === 'NotIn') terms.push([key, `${key} notin (${values})`]);
    else if (e.operator === 'Exists') terms.push([key, key]);
    else if (e.operator === 'DoesNotExist') terms.push([key, `!${key}`]);
  }
  // internalSelector.String() lists requirements sorted by key.
  return terms
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map((t) => t[1])
    .join(',');
}

// layoutContainerCells
function containerCells(podSpec: JsonValue | undefined): [string, string] {
  const containers = objs(getPath(podSpec, 'containers'));
  return [containers.map((c) => str(c.name)).join(','), containers.map((c) => str(c.image)).join(',')];
}

// printNode: Ready/NotReady (or Unknown), plus SchedulingDisabled; roles from node-role labels.
function printNode(node: JsonObject, now: number): Row {
  const status = isObject(node.status) ? node.status : {};
  const ready = objs(status.conditions).find((c) => c.type === 'Ready');
  const states = ready === undefined ? ['Unknown'] : [ready.status === 'True' ? 'Ready' : 'NotReady'];
  if (getPath(node, 'spec', 'unschedulable') === true) states.push('SchedulingDisabled');
  const labels = isObject(meta(node).labels) ? (meta(node).labels as JsonObject) : {};
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(labels)) {
    if (k.startsWith('node-role.kubernetes.io/') && k.length > 'node-role.kubernetes.io/'.length) {
      roles.add(k.slice('node-role.kubernetes.io/'.length));
    } else if (k === 'kubernetes.io/role' && str(v) !== '') roles.add(str(v));
  }
  const info = isObject(status.nodeInfo) ? status.nodeInfo : {};
  const address = (type: string) => str(objs(status.addresses).find((a) => a.type === type)?.address) || '<none>';
  return {
    cells: [
      str(meta(node).name),
      states.join(','),
      [...roles].sort().join(',') || '<none>',
      age(node, now),
      str(info.kubeletVersion),
      address('InternalIP'),
      address('ExternalIP'),
      str(info.osImage) || '<unknown>',
      str(info.kernelVersion) || '<unknown>',
      str(info.containerRuntimeVersion) || '<unknown>',
    ],
  };
}

// printEvent (wide cells): last seen falls back to first seen / eventTime, count to the series.
function printEvent(ev: JsonObject, now: number): Row {
  const first = ev.firstTimestamp ? since(ev.firstTimestamp, now) : since(ev.eventTime, now);
  let last = ev.lastTimestamp ? since(ev.lastTimestamp, now) : first;
  let count = num(ev.count);
  if (isObject(ev.series)) {
    last = since(ev.series.lastObservedTime, now);
    count = num(ev.series.count);
  } else if (count === 0) count = 1;
  const involved = isObject(ev.involvedObject) ? ev.involvedObject : {};
  const kind = str(involved.kind).toLowerCase();
  const target = str(involved.name) !== '' ? `${kind}/${str(involved.name)}` : kind;
  const source = isObject(ev.source) ? ev.source : {};
  const component = str(source.component) || str(ev.reportingComponent);
  const instance = str(source.host) || str(ev.reportingInstance);
  return {
    cells: [
      last,
      str(ev.type),
      str(ev.reason),
      target,
      str(involved.fieldPath),
      instance === '' ? component : `${component}, ${instance}`,
      str(ev.message).trim(),
      first,
      count,
      str(meta(ev).name),
    ],
  };
}

function bindingCells(binding: JsonObject, now: number): Row {
  const ref = isObject(binding.roleRef) ? binding.roleRef : {};
  const subjects = objs(binding.subjects);
  // rbac.SubjectsStrings: users, groups, and namespace/name of service accounts.
  const of = (kind: string) => subjects.filter((s) => s.kind === kind);
  return {
    cells: [
      str(meta(binding).name),
      `${str(ref.kind)}/${str(ref.name)}`,
      age(binding, now),
      of('User')
        .map((s) => str(s.name))
        .join(', '),
      of('Group')
        .map((s) => str(s.name))
        .join(', '),
      of('ServiceAccount')
        .map((s) => `${str(s.namespace)}/${str(s.name)}`)
        .join(', '),
    ],
  };
}

// IntOrString.String()
const intOrString = (v: JsonValue | undefined): string => (typeof v === 'number' ? String(v) : str(v));

function servicePorts(ports: JsonObject[]): string {
  const text = ports
    .map((p) => {
      const protocol = str(p.protocol);
      return num(p.nodePort) > 0 ? `${num(p.port)}:${num(p.nodePort)}/${protocol}` : `${num(p.port)}/${protocol}`;
    })
    .join(',');
  return text === '' ? '<none>' : text;
}

// getServiceExternalIP
function serviceExternalIP(spec: JsonObject, status: JsonObject): string {
  const external = arr(spec.externalIPs).map(str);
  switch (str(spec.type)) {
    case 'ClusterIP':
    case 'NodePort':
      return external.length > 0 ? external.join(',') : '<none>';
    case 'LoadBalancer': {
      const ingress = objs(getPath(status, 'loadBalancer', 'ingress'));
      const lb = [...new Set(ingress.map((i) => str(i.ip) || str(i.hostname)).filter((s) => s !== ''))]
        .sort()
        .join(',');
      if (external.length > 0) return [...(lb === '' ? [] : lb.split(',')), ...external].join(',');
      return lb === '' ? '<pending>' : lb;
    }
    case 'ExternalName':
      return str(spec.externalName);
    default:
      return '<unknown>';
  }
}

// resourceClaimState
function claimState(claim: JsonObject): string {
  const states: string[] = [];
  const deleting = meta(claim).deletionTimestamp !== undefined;
  if (deleting) states.push('deleted');
  const allocation = getPath(claim, 'status', 'allocation');
  if (allocation === undefined || allocation === null) {
    if (!deleting) states.push('pending');
  } else {
    states.push('allocated');
    if (arr(getPath(claim, 'status', 'reservedFor')).length > 0) states.push('reserved');
  }
  return states.join(',');
}

export const PRINTERS: Readonly<Record<string, Printer>> = {
  pods: printPod,
  nodes: printNode,
  events: printEvent,
  namespaces: (ns, now) => ({ cells: [str(meta(ns).name), str(getPath(ns, 'status', 'phase')), age(ns, now)] }),
  serviceaccounts: (sa, now) => ({ cells: [str(meta(sa).name), arr(sa.secrets).length, age(sa, now)] }),
  configmaps: (cm, now) => ({
    cells: [
      str(meta(cm).name),
      Object.keys(isObject(cm.data) ? cm.data : {}).length +
        Object.keys(isObject(cm.binaryData) ? cm.binaryData : {}).length,
      age(cm, now),
    ],
  }),
  services: (svc, now) => {
    const spec = isObject(svc.spec) ? svc.spec : {};
    const status = isObject(svc.status) ? svc.status : {};
    return {
      cells: [
        str(meta(svc).name),
        str(spec.type),
        str(arr(spec.clusterIPs)[0]) || '<none>',
        serviceExternalIP(spec, status),
        servicePorts(objs(spec.ports)),
        age(svc, now),
        formatLabels(spec.selector),
      ],
    };
  },
  'leases.coordination.k8s.io': (lease, now) => ({
    cells: [str(meta(lease).name), str(getPath(lease, 'spec', 'holderIdentity')), age(lease, now)],
  }),
  'deployments.apps': (d, now) => {
    const [names, images] = containerCells(getPath(d, 'spec', 'template', 'spec'));
    return {
      cells: [
        str(meta(d).name),
        `${num(getPath(d, 'status', 'readyReplicas'))}/${num(getPath(d, 'spec', 'replicas'))}`,
        num(getPath(d, 'status', 'updatedReplicas')),
        num(getPath(d, 'status', 'availableReplicas')),
        age(d, now),
        names,
        images,
        formatSelector(getPath(d, 'spec', 'selector')),
      ],
    };
  },
  'poddisruptionbudgets.policy': (pdb, now) => {
    const spec = isObject(pdb.spec) ? pdb.spec : {};
    return {
      cells: [
        str(meta(pdb).name),
        spec.minAvailable === undefined ? 'N/A' : intOrString(spec.minAvailable),
        spec.maxUnavailable === undefined ? 'N/A' : intOrString(spec.maxUnavailable),
        num(getPath(pdb, 'status', 'disruptionsAllowed')),
        age(pdb, now),
      ],
    };
  },
  // printPriorityClass
  'priorityclasses.scheduling.k8s.io': (pc, now) => ({
    cells: [str(meta(pc).name), num(pc.value), pc.globalDefault === true, age(pc, now), str(pc.preemptionPolicy)],
  }),
  'rolebindings.rbac.authorization.k8s.io': bindingCells,
  'clusterrolebindings.rbac.authorization.k8s.io': bindingCells,
  'deviceclasses.resource.k8s.io': (dc, now) => ({ cells: [str(meta(dc).name), age(dc, now)] }),
  'resourceclaims.resource.k8s.io': (claim, now) => ({
    cells: [str(meta(claim).name), claimState(claim), age(claim, now)],
  }),
  'resourceslices.resource.k8s.io': (slice, now) => ({
    cells: [
      str(meta(slice).name),
      str(getPath(slice, 'spec', 'nodeName')),
      str(getPath(slice, 'spec', 'driver')),
      str(getPath(slice, 'spec', 'pool', 'name')),
      age(slice, now),
    ],
  }),
};

/** rest.defaultTableConvertor's cells: name and creationTimestamp in RFC 3339 (UTC). */
export function defaultRow(obj: JsonObject): Row {
  const created = Date.parse(str(meta(obj).creationTimestamp));
  const at = Number.isNaN(created) ? '0001-01-01T00:00:00Z' : new Date(created).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return { cells: [str(meta(obj).name), at] };
}
