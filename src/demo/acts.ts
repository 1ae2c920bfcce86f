// The five acts of the demo and the checks after them, each a function over the stage (stage.ts): what
// is done to the cluster, what the controller must do about it, and the deadline it has for that.
// A missed expectation throws a DemoFailure naming what was expected and what happened.

import { resetCommands, resetText } from '../kube/breakerStatus.js';
import type { HeldEvictions } from '../main/app/breakerKeeper.js';
import { heldEvictions } from '../main/app/heldEvictions.js';
import { isRuleReason } from '../shared/reasons.js';
import {
  createClusterWideRule,
  createPoolRule,
  type DemoPod,
  type DemoTaint,
  deleteRule,
  PODS,
  setRuleEffect,
} from './cluster.js';
import {
  DEMO_DEVICES_PER_NODE,
  DEMO_DRIVER,
  describeToleration,
  deviceName,
  nodeName,
  podLabel,
  podsOn,
  XID_TAINT_KEY,
} from './plan.js';
import {
  BREAKER_MAX_EVICTIONS,
  BREAKER_WINDOW_MS,
  DemoFailure,
  type DemoStage,
  formatTaint,
  plural,
  RULE_NAME,
  RULE_NODE,
  RULE_STATUS_DELAY_MS,
  RUNAWAY_NODE,
  RUNAWAY_RULE,
  seconds,
} from './stage.js';

/** Act 1: an untolerated NoExecute taint evicts the pod on that device at once. */
export async function actImmediate(s: DemoStage): Promise<void> {
  const node = 1;
  const device = 3;
  const taint: DemoTaint = { key: XID_TAINT_KEY, value: '79', effect: 'NoExecute' };
  await s.alignToSecond();
  s.print.line(
    `The GPU driver sees XID 79 (GPU fallen off the bus) and republishes ${nodeName(node)}'s ResourceSlice ` +
      `with ${deviceName(device)} tainted ${formatTaint(taint)}`,
  );
  const victims = s.taintDevice(node, device, taint);
  const neighbours = s.pods.filter((p) => p.node === node && p.device !== device);
  s.print.line(
    `${s.describePods(victims)} must go now; the ${plural(neighbours.length, 'other pod', 'other pods')} on ` +
      `${nodeName(node)} use untainted GPUs and must stay`,
  );
  await s.expectEvicted(victims, s.deadline(15_000));
}

/** Act 2: a tolerated taint evicts only once tolerationSeconds have passed. */
export async function actDelayed(s: DemoStage): Promise<void> {
  const node = 2;
  const device = 1;
  const taint: DemoTaint = { key: XID_TAINT_KEY, value: '48', effect: 'NoExecute' };
  await s.alignToSecond();
  s.print.line(
    `XID 48 (double-bit ECC error) on ${nodeName(node)}/${deviceName(device)}: the driver taints it ${formatTaint(taint)}`,
  );
  const victims = s.taintDevice(node, device, taint);
  const victim = victims[0];
  if (victim === undefined) throw new DemoFailure(`no pod on ${nodeName(node)}/${deviceName(device)}`);
  const due = s.ledger.get(victim).dueAt ?? 0;
  s.print.line(
    `${podLabel(victim)} ${describeToleration(victim.toleration)}: it keeps running until ` +
      `${s.stamp(due)}, then it is evicted`,
  );
  // The countdown is for the reader; correctness is checked when the deletion lands (never early).
  const countdown = setInterval(() => {
    if (s.observer?.deletionOf(victim.uid) !== undefined) return;
    const left = due - Date.now();
    if (left > 300) s.print.line(`  ${podLabel(victim)} still running, due in ${seconds(left)}`, 'dim');
  }, 1000);
  try {
    await s.expectEvicted(victims, s.tolerationMs + s.deadline(15_000));
  } finally {
    clearInterval(countdown);
  }
  const deletion = s.observer?.deletionOf(victim.uid);
  const written = s.ledger.get(victim).taintWrittenAt;
  if (deletion !== undefined && written !== null) {
    s.print.line(
      `${podLabel(victim)} ran ${seconds(deletion.at - written)} after the taint ` +
        `(tolerationSeconds ${s.tolerationMs / 1000}); not a moment before`,
      'good',
    );
  }
}

/** Act 3: a DeviceTaintRule with effect None changes nothing but reports what NoExecute would do. */
export async function actRuleNone(s: DemoStage): Promise<void> {
  const taint: DemoTaint = { key: XID_TAINT_KEY, value: '79', effect: 'None' };
  s.print.line(
    `An administrator wants ${nodeName(RULE_NODE)} out of service. First a dry run: DeviceTaintRule ${RULE_NAME} ` +
      `selects pool ${nodeName(RULE_NODE)} of ${DEMO_DRIVER}, taint ${formatTaint(taint)}`,
  );
  const sim = s.requireSim();
  createPoolRule(sim.store, RULE_NAME, RULE_NODE, taint);
  const onNode = podsOn(s.pods, RULE_NODE);
  const wouldGo = onNode.filter((p) => p.toleration.kind !== 'forever');
  const namespaces = new Set(wouldGo.map((p) => p.namespace)).size;
  const expected =
    `${plural(DEMO_DEVICES_PER_NODE, 'published device', 'published devices')} selected. ` +
    `${plural(onNode.length, 'allocated device', 'allocated devices')} selected. ` +
    `${plural(wouldGo.length, 'pod', 'pods')} would be evicted in ` +
    `${namespaces === 1 ? '1 namespace' : `${namespaces} different namespaces`} if the effect was NoExecute.`;
  const seen = await s.waitForRule(
    'the rule status NoEffect with the dry-run counts',
    (c) => c.reason === 'NoEffect',
    s.deadline(15_000),
  );
  if (!seen.message.startsWith(expected)) {
    throw new DemoFailure(`rule ${RULE_NAME}: expected the dry-run counts "${expected}", got "${seen.message}"`);
  }
  s.print.line(
    `The counts match the cluster: ${DEMO_DEVICES_PER_NODE} GPUs published in the pool, ${onNode.length} allocated, ` +
      `${wouldGo.length} of their pods do not tolerate the taint forever. A None rule evicts nothing.`,
    'good',
  );
}

/** Act 4: the rule becomes NoExecute; its node's pods go (the forever-tolerating one stays). */
export async function actRuleNoExecute(s: DemoStage): Promise<void> {
  const sim = s.requireSim();
  const onNode = podsOn(s.pods, RULE_NODE);
  await s.alignToSecond();
  s.print.line(`Convinced, the administrator switches ${RULE_NAME} to effect NoExecute`);
  const written = Date.now();
  const timeAdded = setRuleEffect(sim.store, RULE_NAME, 'NoExecute');
  const victims = s.ledger.markDue(onNode, timeAdded, written);
  const spared = onNode.filter((p) => !victims.includes(p));
  s.print.line(`${s.describePods(victims)} must go; ${s.describePods(spared)} stays`);
  await s.waitForRule(
    'the rule status PodsPendingEviction',
    (c) => c.reason === 'PodsPendingEviction',
    s.deadline(15_000),
  );
  await s.expectEvicted(victims, s.tolerationMs + s.deadline(15_000));
  const completed = `${plural(victims.length, 'pod', 'pods')} evicted since starting the controller.`;
  s.print.line(
    `The rule status is refreshed ${RULE_STATUS_DELAY_MS / 1000} s after each of its evictions (as upstream: ` +
      'the caches must first see the pods gone)…',
    'dim',
  );
  await s.waitForRule(
    `the rule status Completed "${completed}"`,
    (c) => c.reason === 'Completed' && c.message === completed,
    RULE_STATUS_DELAY_MS + s.deadline(15_000),
  );
  for (const p of spared) {
    const alive = sim.store.get(PODS, p.namespace, p.name) !== undefined;
    if (!alive) throw new DemoFailure(`${podLabel(p)} ${describeToleration(p.toleration)} but is gone`);
    s.print.line(`${podLabel(p)} ${describeToleration(p.toleration)}: still running`, 'good');
  }
}

/** The taint the runaway rule puts on every device: an administrator's, which no pod tolerates. */
const MAINTENANCE_TAINT: DemoTaint = { key: 'example.com/maintenance', value: 'drain', effect: 'NoExecute' };

/**
 * Act 5: a DeviceTaintRule meant for one node is written with `deviceSelector: {}` — every device in the
 * cluster (kubernetes#141422). The breaker lets what is left of its window through, opens, and holds
 * the rest; a real GPU fault meanwhile is held too. The operator deletes the rule (its held evictions
 * are cancelled) and resets the breaker (the fault's eviction is released). Nothing else is deleted.
 */
export async function actRunawayRule(s: DemoStage): Promise<void> {
  const sim = s.requireSim();
  const observer = s.requireObserver();
  const engine = s.controller?.engine() ?? null;
  if (engine === null) throw new DemoFailure('act 5 needs the real controller (its pending evictions)');
  const gone = (p: DemoPod) => observer.deletionOf(p.uid) !== undefined;
  const held = (): HeldEvictions =>
    heldEvictions(engine.pendingEvictions(), Date.now(), (r) => engine.describeReason(r));
  // Every start counts (a retried one twice): the breaker's own count, not the deletions seen.
  const usedBefore = s.breakerState().windowEvictions;
  const allowed = BREAKER_MAX_EVICTIONS - usedBefore;
  if (allowed <= 0) throw new DemoFailure(`acts 1–4 used ${usedBefore} evictions: none left for the breaker to allow`);
  const running = s.pods.filter((p) => !gone(p));
  const minutes = BREAKER_WINDOW_MS / 60_000;
  s.print.line(
    `The breaker counts every eviction that starts: acts 1–4 used ${usedBefore} of the ${BREAKER_MAX_EVICTIONS} ` +
      `allowed in ${minutes} minutes, so ${allowed} more may start before it opens`,
  );
  await s.alignToSecond();
  s.print.line(
    `An administrator means to drain ${nodeName(RUNAWAY_NODE)} too, but the selector's pool line is lost: ` +
      `DeviceTaintRule ${RUNAWAY_RULE} with deviceSelector: {} selects every device in the cluster, ` +
      `taint ${formatTaint(MAINTENANCE_TAINT)}`,
  );
  const written = Date.now();
  const timeAdded = createClusterWideRule(sim.store, RUNAWAY_RULE, MAINTENANCE_TAINT);
  const source = `rule ${RUNAWAY_RULE}`;
  const victims = s.ledger.markDue(running, timeAdded, written, { source, key: MAINTENANCE_TAINT.key });
  s.print.line(
    `kubernetes#141422: upstream would now evict every pod using a DRA device — all ${victims.length} still ` +
      `running here, none tolerates ${MAINTENANCE_TAINT.key}. The breaker lets at most ${allowed} go, then holds ` +
      'the rest',
  );

  const record = () => observer.breakerRecord;
  const opened = await observer.waitUntil(() => record()?.state === 'open', s.deadline(15_000));
  if (!opened) {
    throw new DemoFailure(
      `the breaker did not open within ${seconds(s.deadline(15_000))}: ` +
        `${victims.filter(gone).length} of the rule's pods evicted`,
    );
  }
  // What the breaker counted: every start since the controller started (acts 1–4's and the rule's).
  // No start is counted once it is open, so this is final.
  const { windowEvictions } = s.breakerState();
  const counted = windowEvictions - usedBefore;
  // Never more than the limit. Fewer only when two worker threads reach for the last place at once:
  // both count themselves, see the limit exceeded, take it back and hold (src/shared/evictionBreaker.ts)
  // — at most one fewer per other thread.
  const workers = s.options.workers ?? 2;
  if (counted > allowed || counted < allowed - (workers - 1)) {
    throw new DemoFailure(
      `the breaker counted ${windowEvictions} evictions in its window at the opening; ${usedBefore} were acts ` +
        `1–4's, so ${counted} for the rule: expected ${allowed}` +
        (workers > 1 ? ` (or down to ${allowed - (workers - 1)}, with ${workers} worker threads racing)` : ''),
    );
  }
  const heldCount = victims.length - counted;
  // The evictions that started before the opening finish (the engine forgets them then); every other
  // one stays held. Fewer than that held would be evictions the breaker let through: checked next.
  await s.waitForController(
    `the controller holding ${heldCount} evictions`,
    () => held().pods <= heldCount && victims.filter(gone).length >= counted,
    s.deadline(5_000),
  );
  const through = victims.filter(gone);
  if (through.length !== counted) {
    throw new DemoFailure(
      `the breaker counted ${counted} of the rule's evictions before it opened, yet ${through.length} of its ` +
        'pods were deleted',
    );
  }
  // The record says so too. (It is written as the breaker opens, from what the queues hold then; one
  // whose due evictions had not reached its queue yet would be counted by the next refresh, ≤ 10 s on.)
  const recordHolds = () => record()?.heldPods === heldCount && record()?.causes.some((c) => c.includes(RUNAWAY_RULE));
  await observer.waitUntil(() => recordHolds() === true, s.deadline(15_000));
  const atOpen = record();
  if (atOpen === undefined || recordHolds() !== true) {
    throw new DemoFailure(
      `the breaker record should hold ${heldCount} evictions caused by rule ${RUNAWAY_RULE}; it says ` +
        `${atOpen?.heldPods ?? 'nothing'} held, causes ${JSON.stringify(atOpen?.causes ?? [])}`,
    );
  }
  const metrics = s.breakerState();
  s.print.line(
    `The breaker let ${counted} through and opened: ${heldCount} evictions held, their pods still running. ` +
      `Its gauges: breaker_open ${metrics.open}, breaker_window_evictions ${metrics.windowEvictions} of ` +
      `breaker_limit ${metrics.limit}`,
    'good',
  );
  if (counted < allowed) {
    s.print.line(
      `  ${plural(allowed - counted, 'start', 'starts')} short of the limit: worker threads reached for the last ` +
        'place at once, and each held back rather than risk one too many (the breaker opens early, never late)',
      'dim',
    );
  }
  if (metrics.open !== 1 || metrics.windowEvictions !== windowEvictions) {
    throw new DemoFailure(`expected breaker_open 1 and ${windowEvictions} evictions in the window`);
  }
  s.print.line(`The operator looks: $ device-taint-evictor breaker status -n ${s.breakerRecordRef.namespace}`);
  s.print.block(indent(await s.breakerStatus()));

  // A real fault while the breaker is open: its eviction is due as well, and held like every other.
  const faulty = victims.filter((p) => !gone(p) && p.toleration.kind === 'none')[0];
  if (faulty === undefined) throw new DemoFailure('no held pod without toleration left for a GPU fault');
  const xid: DemoTaint = { key: XID_TAINT_KEY, value: '79', effect: 'NoExecute' };
  s.print.line(
    `Meanwhile a real fault: XID 79 on ${nodeName(faulty.node)}/${deviceName(faulty.device)}, the GPU of ` +
      `${podLabel(faulty)}. Its eviction is due for a second reason now, and held like the others`,
  );
  s.taintDevice(faulty.node, faulty.device, xid);
  await s.waitForController(
    `the controller seeing the XID taint on ${podLabel(faulty)}`,
    () =>
      engine
        .pendingEviction({ namespace: faulty.namespace, name: faulty.name, uid: faulty.uid })
        ?.reasons.some((r) => !isRuleReason(r)) === true,
    s.deadline(5_000),
  );
  for (const cause of held().causes) s.print.line(`  held: ${cause}`, 'dim');

  // The operator's first move: remove the cause. The rule's held evictions are cancelled.
  s.print.line(`The causes name the rule. The operator deletes it: $ kubectl delete devicetaintrule ${RUNAWAY_RULE}`);
  deleteRule(sim.store, RUNAWAY_RULE);
  const spared = s.ledger.withdraw(source);
  const cancelled = (p: DemoPod) => observer.eventsFor(p.uid).some((e) => e.message === 'Cancelling deletion');
  const allCancelled = await observer.waitUntil(() => spared.every(cancelled), s.deadline(15_000));
  if (!allCancelled) {
    throw new DemoFailure(
      `no "Cancelling deletion" for ${s.describePods(spared.filter((p) => !cancelled(p)))} after the rule was deleted`,
    );
  }
  await s.waitForController(
    `the controller holding only ${podLabel(faulty)}`,
    () => {
      const h = held();
      return h.pods === 1 && h.podNames[0] === podLabel(faulty);
    },
    s.deadline(5_000),
  );
  s.print.line(
    `Deleting the rule cancelled ${plural(spared.length, 'held eviction', 'held evictions')}: those pods keep ` +
      `running. The breaker still holds 1, the GPU fault's`,
    'good',
  );
  // The keeper writes a smaller account on its next pass (every 2 s): what the operator checks next.
  const recorded = await observer.waitUntil(
    () => record()?.heldPods === 1 && record()?.heldPodNames[0] === podLabel(faulty),
    s.deadline(5_000),
  );
  if (!recorded) {
    throw new DemoFailure(
      `the breaker record should hold only ${podLabel(faulty)} after the rule was deleted; it says ` +
        `${record()?.heldPods ?? 'nothing'} held: ${JSON.stringify(record()?.heldPodNames ?? [])}`,
    );
  }
  const configMap = `${s.breakerRecordRef.namespace}/${s.breakerRecordRef.name}`;
  s.print.line(`The operator checks again: $ device-taint-evictor breaker status -n ${s.breakerRecordRef.namespace}`);
  s.print.block(indent(await s.breakerStatus()));

  // The second move: reset, which releases what is still held — nothing runaway is left.
  const [reset, kubectl] = resetCommands(s.breakerRecordRef.namespace, s.breakerRecordRef.name);
  s.print.line(`Nothing runaway is left, so the operator resets the breaker: $ ${reset}`);
  s.print.line(`  (the same with kubectl: ${kubectl})`, 'dim');
  s.current?.lateBecause?.set(faulty.uid, 'held by the breaker until the reset');
  const outcome = await s.resetBreaker();
  if (outcome.kind !== 'reset') throw new DemoFailure(`breaker reset: ${resetText(configMap, outcome).trim()}`);
  s.print.block(indent(resetText(configMap, outcome)));
  await s.expectEvicted([faulty], s.deadline(15_000));
  const after = s.breakerState();
  if (after.open !== 0) throw new DemoFailure('the breaker is still open after the reset');
  for (const p of spared) {
    if (sim.store.getEntry(PODS, p.namespace, p.name)?.uid !== p.uid) {
      throw new DemoFailure(`${podLabel(p)} is gone, though deleting the rule cancelled its eviction`);
    }
  }
  s.print.line(
    `Released: ${podLabel(faulty)} evicted for its faulty GPU; breaker_open ${after.open}, the window counts ` +
      `afresh (breaker_window_evictions ${after.windowEvictions}: a released eviction is not counted). ` +
      `The rule evicted ${counted} of ${victims.length}; the other ${spared.length} still run`,
    'good',
  );
  s.breakerStory = {
    limit: BREAKER_MAX_EVICTIONS,
    usedBefore,
    windowEvictionsAtOpen: windowEvictions,
    due: victims.map(podLabel),
    evictedBeforeOpen: through.map(podLabel),
    heldAtOpen: atOpen.heldPods,
    reasonAtOpen: atOpen.reason,
    causesAtOpen: atOpen.causes,
    cancelledByRuleDelete: spared.map(podLabel),
    releasedByReset: [podLabel(faulty)],
  };
}

const indent = (text: string): string =>
  text
    .trimEnd()
    .split('\n')
    .map((l) => `          ${l}`)
    .join('\n');

/** After the story: every pod that had to stay is still there, and the controller has nothing left to do. */
export function finalChecks(s: DemoStage): void {
  const sim = s.requireSim();
  const stayed = s.ledger.mustStay();
  // Same name and same UID: a replacement pod with the name of an evicted one would not count.
  const missing = stayed.filter((p) => sim.store.getEntry(PODS, p.namespace, p.name)?.uid !== p.uid);
  if (missing.length > 0) {
    throw new DemoFailure(`pods that had to keep running are gone: ${missing.map(podLabel).join(', ')}`);
  }
  const pending = [...(s.controller?.engine()?.pendingEvictions() ?? [])];
  if (pending.length > 0) {
    throw new DemoFailure(
      `the controller still plans evictions nobody expects: ${pending.map((p) => podLabel(p.pod)).join(', ')}`,
    );
  }
  const evicted = s.ledger.all().filter((e) => e.latencyMs !== null).length;
  s.print.line(
    `All checks passed: ${evicted} pods evicted as expected, ${stayed.length} still running ` +
      `(${s.pods.filter((p) => p.toleration.kind === 'forever').length} of them tolerate forever), ` +
      `0 wrongful evictions, no evictions left pending in the controller`,
    'good',
  );
}
