// What the demo prints as it happens, from what the cluster shows (the observer's happenings): each
// deletion with the ledger's verdict on it (evicted as due, or WRONGFUL), the condition and events the
// evicted pod got, cancellations, every new status of the demo's rules, the breaker's record and its
// Warning events. Wrongful evictions are also counted against the act that is running.

import { disruptionTargetCondition } from '../workers/executor/kubeExecutor.js';
import type { Happening, PodDeletion } from './observer.js';
import { describeToleration, placementOf, podLabel } from './plan.js';
import { type DemoStage, plural } from './stage.js';

/** Prints one happening on the stage's printer. */
export function narrate(s: DemoStage, h: Happening): void {
  switch (h.kind) {
    case 'podDeleted':
      narrateDeletion(s, h.deletion);
      return;
    case 'podEvent':
      // "Marking for deletion" is printed with the eviction; a cancellation is news on its own.
      if (h.event.message !== 'Marking for deletion') {
        const pod = s.pods.find((p) => p.uid === h.event.uid);
        s.print.line(
          `event on ${pod === undefined ? h.event.uid : podLabel(pod)}: ${h.event.reason} "${h.event.message}"`,
          'dim',
        );
      }
      return;
    case 'ruleCondition': {
      const c = h.condition;
      s.print.line(
        `rule ${c.rule}: EvictionInProgress=${c.status} ${c.reason}${c.message === '' ? '' : ` "${c.message}"`}`,
        c.reason === 'Completed' ? 'good' : 'plain',
      );
      return;
    }
    case 'objectEvent': {
      const e = h.event;
      // The breaker posts the same message on its ConfigMap and on every rule involved: quote it once.
      const others = s.observer?.otherEvents ?? [];
      const at = others.indexOf(e);
      const earlier = at < 0 ? others : others.slice(0, at);
      const repeated = earlier.some((o) => o.reason === e.reason && o.message === e.message);
      s.print.line(
        `event on ${e.kind} ${e.object}: ${e.type} ${e.reason}${repeated ? ' (the same message)' : ` "${e.message}"`}`,
        e.type === 'Warning' ? 'warn' : 'dim',
      );
      return;
    }
    case 'breakerRecord': {
      const r = h.seen.record;
      const where = `ConfigMap ${s.breakerRecordRef.namespace}/${s.breakerRecordRef.name}`;
      s.print.line(
        r.state === 'open'
          ? `${where}: state open, ${plural(r.heldPods, 'eviction', 'evictions')} held`
          : `${where}: state closed${r.resetBy === '' ? '' : ` by ${r.resetBy}`}`,
        r.state === 'open' ? 'warn' : 'good',
      );
      return;
    }
  }
}

function narrateDeletion(s: DemoStage, d: PodDeletion): void {
  const verdict = s.ledger.record(d);
  if (verdict === undefined) return;
  const act = s.current;
  const where = `${podLabel(verdict.pod)} from ${placementOf(verdict.pod)}`;
  if (verdict.kind === 'wrongful') {
    if (act !== null) act.wrongful++;
    s.print.line(`WRONGFUL eviction of ${where}: ${verdict.reason}`, 'bad');
    return;
  }
  act?.evictions.push({ pod: podLabel(verdict.pod), latencyMs: verdict.latencyMs });
  const late = act?.lateBecause?.get(verdict.pod.uid);
  s.print.line(
    `evicted ${where} (${describeToleration(verdict.pod.toleration)}), ${Math.round(verdict.latencyMs)} ms after it was due` +
      (late === undefined ? '' : `: ${late}`),
    'good',
  );
  const c = d.disruptionTarget;
  s.print.line(
    c === null
      ? '  without a DisruptionTarget condition'
      : `  condition ${c.type}=${c.status} reason ${c.reason}: "${c.message}"`,
    c !== null && c.reason === disruptionTargetCondition.reason ? 'plain' : 'warn',
  );
  const events = s.observer?.eventsFor(d.uid) ?? [];
  for (const ev of events) s.print.line(`  event ${ev.reason}: "${ev.message}"`);
}
