// Table cells per resource: the print functions of pkg/printers/internalversion/printers.go, run
// the way the apiserver runs them (always Wide, so priority-1 cells are present), on plain JSON.

import { getPath, isObject, type JsonObject, type JsonValue } from '../json.js';

export type Cell = string | number | boolean;

export interface RowConditions {
  readonly type: string;
  readonly status: string;
  readonly reason: string;
  readonly message: string;
}

export interface Row {
  readonly cells: Cell[];
  readonly conditions?: readonly RowConditions[];
}

type Printer = (obj: JsonObject, now: number) => Row;

const str = (v: JsonValue | undefined): string => (typeof v === 'string' ? v : '');
const num = (v: JsonValue | undefined): number => (typeof v === 'number' ? v : 0);
const arr = (v: JsonValue | undefined): JsonValue[] => (Array.isArray(v) ? v : []);
const objs = (v: JsonValue | undefined): JsonObject[] => arr(v).filter(isObject);
const meta = (o: JsonObject): JsonObject => (isObject(o.metadata) ? o.metadata : {});

/** duration.HumanDuration (apimachinery/pkg/util/duration): ~2-3 significant figures. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8)
    return hours % 24 === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  const years = Math.trunc(hours / 24 / 365);
  if (hours < 24 * 365 * 8) {
    const days = Math.trunc(hours / 24) % 365;
    return days === 0 ? `${years}y` : `${years}y${days}d`;
  }
  return `${years}y`;
}

/** translateTimestampSince: "<unknown>" for an unset time. */
const since = (time: JsonValue | undefined, now: number): string => {
  const t = typeof time === 'string' ? Date.parse(time) : Number.NaN;
  return Number.isNaN(t) ? '<unknown>' : humanDuration(now - t);
};

const age = (o: JsonObject, now: number) => since(meta(o).creationTimestamp, now);

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

const POD_COMPLETED = (reason: string, message: string): RowConditions[] => [
  { type: 'Completed', status: 'True', reason, message },
];

// printPod: READY counts ready running containers (plus started restartable init containers),
// STATUS is the phase refined by container states, RESTARTS sums restart counts.
function printPod(pod: JsonObject, now: number): Row {
  const spec = isObject(pod.spec) ? pod.spec : {};
  const status = isObject(pod.status) ? pod.status : {};
  const phase = str(status.phase);
  let reason = str(status.reason) || phase;
  const conditions = objs(status.conditions);
  if (conditions.some((c) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) reason = 'SchedulingGated';
  const initSpecs = objs(spec.initContainers);
  const restartable = (name: JsonValue | undefined) =>
    initSpecs.some((c) => c.name === name && c.restartPolicy === 'Always');
  const total = objs(spec.containers).length + initSpecs.filter((c) => c.restartPolicy === 'Always').length;
  let ready = 0;
  let restarts = 0;
  let restartableRestarts = 0;
  let lastRestart = 0;
  let lastRestartableRestart = 0;
  const finishedAt = (c: JsonObject) => Date.parse(str(getPath(c, 'lastState', 'terminated', 'finishedAt')));
  let initializing = false;
  const initStatuses = objs(status.initContainerStatuses);
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i]!;
    restarts += num(c.restartCount);
    const finished = finishedAt(c);
    if (!Number.isNaN(finished)) lastRestart = Math.max(lastRestart, finished);
    if (restartable(c.name)) {
      restartableRestarts += num(c.restartCount);
      if (!Number.isNaN(finished)) lastRestartableRestart = Math.max(lastRestartableRestart, finished);
    }
    const terminated = getPath(c, 'state', 'terminated');
    const waiting = getPath(c, 'state', 'waiting');
    if (isObject(terminated) && num(terminated.exitCode) === 0) continue;
    if (restartable(c.name) && c.started === true) {
      if (c.ready === true) ready++;
      continue;
    }
    if (isObject(terminated)) {
      const r = str(terminated.reason);
      if (r !== '') reason = `Init:${r}`;
      else if (num(terminated.signal) !== 0) reason = `Init:Signal:${num(terminated.signal)}`;
      else reason = `Init:ExitCode:${num(terminated.exitCode)}`;
    } else if (isObject(waiting) && str(waiting.reason) !== '' && waiting.reason !== 'PodInitializing') {
      reason = `Init:${str(waiting.reason)}`;
    } else reason = `Init:${i}/${initSpecs.length}`;
    initializing = true;
    break;
  }
  const initialized = conditions.some((c) => c.type === 'Initialized' && c.status === 'True');
  if (!initializing || initialized) {
    restarts = restartableRestarts;
    lastRestart = lastRestartableRestart;
    let hasRunning = false;
    const statuses = objs(status.containerStatuses);
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i]!;
      restarts += num(c.restartCount);
      const finished = finishedAt(c);
      if (!Number.isNaN(finished)) lastRestart = Math.max(lastRestart, finished);
      const waiting = getPath(c, 'state', 'waiting');
      const terminated = getPath(c, 'state', 'terminated');
      if (isObject(waiting) && str(waiting.reason) !== '') reason = str(waiting.reason);
      else if (isObject(terminated) && str(terminated.reason) !== '') reason = str(terminated.reason);
      else if (isObject(terminated)) {
        reason =
          num(terminated.signal) !== 0 ? `Signal:${num(terminated.signal)}` : `ExitCode:${num(terminated.exitCode)}`;
      } else if (c.ready === true && isObject(getPath(c, 'state', 'running'))) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      reason = conditions.some((c) => c.type === 'Ready' && c.status === 'True') ? 'Running' : 'NotReady';
    }
  }
  const deleting = meta(pod).deletionTimestamp !== undefined && meta(pod).deletionTimestamp !== null;
  if (deleting && status.reason === 'NodeLost') reason = 'Unknown';
  else if (deleting && phase !== 'Failed' && phase !== 'Succeeded') reason = 'Terminating';
  const restartsText =
    restarts !== 0 && lastRestart > 0 ? `${restarts} (${humanDuration(now - lastRestart)} ago)` : String(restarts);
  const podIPs = objs(status.podIPs);
  const gates = objs(spec.readinessGates);
  const gatesText =
    gates.length === 0
      ? '<none>'
      : `${gates.filter((g) => conditions.find((c) => c.type === g.conditionType)?.status === 'True').length}/${gates.length}`;
  return {
    cells: [
      str(meta(pod).name),
      `${ready}/${total}`,
      reason,
      restartsText,
      age(pod, now),
      str(podIPs[0]?.ip) || '<none>',
      str(spec.nodeName) || '<none>',
      str(status.nominatedNodeName) || '<none>',
      gatesText,
    ],
    conditions:
      phase === 'Succeeded'
        ? POD_COMPLETED('Succeeded', 'The pod has completed successfully.')
        : phase === 'Failed'
          ? POD_COMPLETED('Failed', 'The pod failed.')
          : undefined,
  };
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
