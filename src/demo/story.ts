// The embedded demo: a simulated cluster on 127.0.0.1, the real controller connected to it through a
// kubeconfig (HTTP only, like against any cluster), and a short story in five acts that shows what the
// controller does and checks that it did exactly that:
//
//   1. a GPU health event taints one device NoExecute → the pod on it is evicted at once;
//   2. a device used by a pod tolerating the taint for a few seconds is tainted → evicted when that ends;
//   3. an administrator creates a DeviceTaintRule over one node with effect None → its status shows
//      what it would do (the dry-run counts);
//   4. the rule is switched to NoExecute → that node's pods go, except the one tolerating forever, and
//      the rule's status goes PodsPendingEviction → Completed;
//   5. a rule meant for one node is written with `deviceSelector: {}` (every device: kubernetes#141422)
//      → the blast-radius breaker the controller runs with (8 evictions in 10 minutes, 5 of them used by
//      acts 1–4) lets 3 through, opens and holds the rest, a real GPU fault's eviction too; the operator
//      deletes the rule (the held evictions it caused are cancelled) and resets the breaker (the fault's
//      is released). Nothing else is deleted.
//
// Every wait is a wait for something to happen, with a deadline; a missed deadline, a pod evicted that
// should not have been, or one evicted before its grace period ended fails the act and the demo.
//
// The story is told here, in order; the stage it plays on is stage.ts, the acts are acts.ts, what is
// printed as things happen is narration.ts, and the report at the end is report.ts.

import { actDelayed, actImmediate, actRuleNoExecute, actRuleNone, actRunawayRule, finalChecks } from './acts.js';
import { narrate } from './narration.js';
import { buildReport, type DemoReport } from './report.js';
import { type DemoOptions, DemoStage } from './stage.js';

/** Plays the whole story; never throws for an unmet expectation (see `DemoReport.ok` / `failures`). */
export async function runDemo(options: DemoOptions): Promise<DemoReport> {
  const s = new DemoStage(options);
  try {
    await s.setUp((h) => narrate(s, h));
    await s.act('1. XID 79 on gpu-node-0001/gpu-3', () => actImmediate(s));
    await s.act(`2. XID 48 on a GPU tolerated ${s.tolerationMs / 1000} s`, () => actDelayed(s));
    await s.act('3. DeviceTaintRule, effect None', () => actRuleNone(s));
    await s.act('4. DeviceTaintRule → NoExecute', () => actRuleNoExecute(s));
    await s.act('5. The runaway rule and the breaker', () => actRunawayRule(s));
    finalChecks(s);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // An act has recorded its own DemoFailure already; anything else (the final checks too) is recorded here.
    if (!s.failures.includes(message)) s.failures.push(message);
    if (options.signal?.aborted === true) {
      s.print.line('interrupted: stopping the controller and the simulated cluster', 'warn');
    } else {
      s.print.line(`FAILED: ${message}`, 'bad');
    }
  } finally {
    await s.tearDown();
  }
  return buildReport(s);
}
