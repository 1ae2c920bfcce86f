// printPod (pkg/printers/internalversion/printers.go): READY counts ready running containers (and
// started restartable init containers), STATUS is the phase refined by init and container states,
// RESTARTS sums restart counts with the time of the last one; the wide cells follow.

import { getPath, isObject, type JsonObject, type JsonValue } from '../json.js';
import { age, humanDuration, meta, num, objs, type Row, type RowConditions, str } from './cells.js';

const POD_COMPLETED = (reason: string, message: string): RowConditions[] => [
  { type: 'Completed', status: 'True', reason, message },
];

// printPod: READY counts ready running containers (plus started restartable init containers),
// STATUS is the phase refined by container states, RESTARTS sums restart counts.
export function printPod(pod: JsonObject, now: number): Row {
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
