// The four acts of the demo and the checks after them, each a function over the stage (stage.ts): what
// is done to the cluster, what the controller must do about it, and the deadline it has for that.
// A missed expectation throws a DemoFailure naming what was expected and what happened.

import { createPoolRule, type DemoTaint, PODS, setRuleEffect } from './cluster.js';
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
  DemoFailure,
  type DemoStage,
  formatTaint,
  plural,
  RULE_NAME,
  RULE_NODE,
  RULE_STATUS_DELAY_MS,
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
