// A deterministic executor for the engine, shaped like upstream's unit-test setup (docs/behaviour.md §4.1):
// - one FIFO work queue with client-go semantics (an item is queued once; delayed items become ready
//   when virtual time is advanced), holding pod items from the EvictionSink and rule status items
//   from the RuleStatusScheduler, so their relative order matches upstream's shared queue;
// - a fake API server that records gets/patches/deletes/events and status writes; deleting a pod also
//   removes it from the engine's cache (like upstream's reactor on the informer store);
// - "process" runs ready items until none is left; "advance" moves the FakeClock.
// Pod items go through the EvictionSink/EvictionExecutor seams only, so the real queue partition can
// replace this later.

import { EvictionEngine } from '../../src/main/engine/engine.js';
import {
  type RuleStatusScheduler,
  type RuleStatusWriter,
  syncRuleStatus,
} from '../../src/main/engine/ruleStatusUpdater.js';
import { FakeClock } from '../../src/shared/clock.js';
import type { EvictionOutcome, EvictionSink, ReasonId } from '../../src/shared/decisions.js';
import type { EvictionExecutor } from '../../src/shared/executor.js';
import { type Logger, silentLogger } from '../../src/shared/logger.js';
import {
  type ClaimRecord,
  type PodGroupRecord,
  type PodRecord,
  type PodRef,
  podKey,
  podUidKey,
  type RuleCondition,
  type RuleRecord,
  type SliceRecord,
} from '../../src/shared/types.js';
import { taintTime } from './fixtures.js';

// ---- Informer events --------------------------------------------------------------------------

interface Kinds {
  pod: PodRecord;
  claim: ClaimRecord;
  slice: SliceRecord;
  rule: RuleRecord;
  podGroup: PodGroupRecord;
}
export type Kind = keyof Kinds;
export type Ev = { [K in Kind]: { kind: K; old: Kinds[K] | null; cur: Kinds[K] | null } }[Kind];

export const add = <K extends Kind>(kind: K, cur: Kinds[K]): Ev => ({ kind, old: null, cur }) as Ev;
export const remove = <K extends Kind>(kind: K, old: Kinds[K]): Ev => ({ kind, old, cur: null }) as Ev;
export const update = <K extends Kind>(kind: K, old: Kinds[K], cur: Kinds[K]): Ev => ({ kind, old, cur }) as Ev;

// ---- Fake API ---------------------------------------------------------------------------------

export interface RecordedEvent {
  readonly message: 'Marking for deletion' | 'Cancelling deletion';
  readonly pod: PodRef;
}

export class FakeApi {
  readonly pods = new Map<string, PodRecord>();
  readonly events: RecordedEvent[] = [];
  /** Latest written EvictionInProgress condition per rule name. */
  readonly ruleConditions = new Map<string, RuleCondition>();
  gets = 0;
  patches = 0;
  deletes = 0;
  ruleWrites = 0;
  /** Called after a DELETE removed a pod (the informer delete event). */
  onPodDeleted: (pod: PodRecord) => void = () => {};

  executor(): EvictionExecutor {
    return {
      evict: async (pod: PodRef, _reasons: readonly ReasonId[]): Promise<EvictionOutcome> => {
        this.gets++;
        const stored = this.pods.get(podKey(pod));
        if (stored === undefined || stored.uid !== pod.uid) return 'gone';
        if (stored.deletionTimestamp !== null) return 'alreadyTerminating';
        this.events.push({ message: 'Marking for deletion', pod });
        this.patches++;
        this.deletes++;
        this.pods.delete(podKey(pod));
        this.onPodDeleted(stored);
        return 'deleted';
      },
      recordCancellation: async (pod: PodRef): Promise<void> => {
        this.events.push({ message: 'Cancelling deletion', pod });
      },
    };
  }

  ruleWriter(): RuleStatusWriter {
    return {
      apply: async (rule: RuleRecord, condition: RuleCondition): Promise<void> => {
        this.ruleWrites++;
        this.ruleConditions.set(rule.name, condition);
      },
    };
  }

  podNames(): string[] {
    return [...this.pods.keys()].sort();
  }
}

// ---- Work queue -------------------------------------------------------------------------------

type Item = { kind: 'pod'; key: string; pod: PodRef } | { kind: 'rule'; key: string; name: string };

/** client-go's delaying queue, reduced to what a single sequential worker needs. */
export class TestWorkQueue {
  private readonly ready: Item[] = [];
  private readonly dirty = new Set<string>();
  private readonly later = new Map<string, { item: Item; at: number }>();

  constructor(private readonly clock: FakeClock) {}

  add(item: Item): void {
    if (this.dirty.has(item.key)) return;
    this.dirty.add(item.key);
    this.ready.push(item);
  }

  addAfter(item: Item, delayMs: number): void {
    if (delayMs <= 0) {
      this.add(item);
      return;
    }
    const at = this.clock.now() + delayMs;
    const existing = this.later.get(item.key);
    if (existing === undefined || at < existing.at) this.later.set(item.key, { item, at });
  }

  take(): Item | undefined {
    const item = this.ready.shift();
    if (item !== undefined) this.dirty.delete(item.key);
    return item;
  }

  /** Moves due delayed items to the ready queue, earliest first. */
  promote(): void {
    const now = this.clock.now();
    const due = [...this.later.values()].filter((l) => l.at <= now).sort((a, b) => a.at - b.at);
    for (const { item } of due) {
      this.later.delete(item.key);
      this.add(item);
    }
  }

  /** Sorted keys of ready items and `[key, delay from now]` of delayed ones, like upstream's MockState. */
  state(): { ready: string[]; later: [string, number][] } {
    const now = this.clock.now();
    return {
      ready: this.ready.map((i) => i.key).sort(),
      later: [...this.later.values()]
        .map((l): [string, number] => [l.item.key, l.at - now])
        .sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1)),
    };
  }
}

export const podItemKey = (p: PodRef): string => `pod:${podUidKey(p)}`;
export const ruleItemKey = (name: string): string => `rule:${name}`;

// ---- Harness ----------------------------------------------------------------------------------

export interface HarnessOptions {
  readonly workloadClaims?: boolean;
  /** Feed written rule status back into the engine's rule cache (a running informer); upstream's unit tests don't. */
  readonly ruleStatusFeedback?: boolean;
  readonly log?: Logger;
}

export class Harness implements EvictionSink, RuleStatusScheduler {
  readonly clock = new FakeClock(taintTime);
  readonly api = new FakeApi();
  readonly queue = new TestWorkQueue(this.clock);
  readonly engine: EvictionEngine;
  /** The sink's cache of deletePodAt, as a queue partition would hold it. */
  readonly scheduled = new Map<string, { pod: PodRef; fireAt: number; reasons: readonly ReasonId[] }>();
  /** Pod work items taken from the queue, including ones that turned out to be no-ops. */
  podItemsProcessed = 0;
  private readonly evicted = new Set<string>();
  private readonly executor: EvictionExecutor;
  private readonly writer: RuleStatusWriter;

  constructor(opts: HarnessOptions = {}) {
    this.engine = new EvictionEngine({
      clock: this.clock,
      sink: this,
      ruleStatus: this,
      log: opts.log ?? silentLogger,
      workloadClaims: opts.workloadClaims ?? false,
    });
    this.executor = this.api.executor();
    this.api.onPodDeleted = (pod) => this.engine.podDeleted(pod);
    const apiWriter = this.api.ruleWriter();
    this.writer = opts.ruleStatusFeedback
      ? {
          apply: async (rule, condition) => {
            await apiWriter.apply(rule, condition);
            const cached = this.engine.getRule(rule.name);
            if (cached !== null && cached.uid === rule.uid) {
              const others = cached.conditions.filter((c) => c.type !== condition.type);
              this.engine.ruleUpdated(cached, {
                ...cached,
                resourceVersion: `${cached.resourceVersion}+`,
                conditions: [...others, condition],
              });
            }
          },
        }
      : apiWriter;
  }

  // EvictionSink
  schedule(pod: PodRef, fireAt: number, reasons: readonly ReasonId[]): void {
    this.scheduled.set(podUidKey(pod), { pod, fireAt, reasons });
    this.queue.addAfter({ kind: 'pod', key: podItemKey(pod), pod }, fireAt - this.clock.now());
  }

  cancel(pod: PodRef, emitEvent: boolean): void {
    this.scheduled.delete(podUidKey(pod));
    if (emitEvent) void this.executor.recordCancellation(pod);
  }

  // RuleStatusScheduler
  enqueue(ruleName: string, delayMs: number): void {
    this.queue.addAfter({ kind: 'rule', key: ruleItemKey(ruleName), name: ruleName }, delayMs);
  }

  /** Delivers one informer event to the engine, mirroring pods into the fake API server first. */
  apply(ev: Ev): void {
    const e = this.engine;
    switch (ev.kind) {
      case 'pod':
        if (ev.cur !== null) this.api.pods.set(podKey(ev.cur), ev.cur);
        else if (ev.old !== null) this.api.pods.delete(podKey(ev.old));
        if (ev.old === null && ev.cur !== null) e.podAdded(ev.cur);
        else if (ev.old !== null && ev.cur !== null) e.podUpdated(ev.old, ev.cur);
        else if (ev.old !== null) e.podDeleted(ev.old);
        return;
      case 'claim':
        if (ev.old === null && ev.cur !== null) e.claimAdded(ev.cur);
        else if (ev.old !== null && ev.cur !== null) e.claimUpdated(ev.old, ev.cur);
        else if (ev.old !== null) e.claimDeleted(ev.old);
        return;
      case 'slice':
        if (ev.old === null && ev.cur !== null) e.sliceAdded(ev.cur);
        else if (ev.old !== null && ev.cur !== null) e.sliceUpdated(ev.old, ev.cur);
        else if (ev.old !== null) e.sliceDeleted(ev.old);
        return;
      case 'rule':
        if (ev.old === null && ev.cur !== null) e.ruleAdded(ev.cur);
        else if (ev.old !== null && ev.cur !== null) e.ruleUpdated(ev.old, ev.cur);
        else if (ev.old !== null) e.ruleDeleted(ev.old);
        return;
      case 'podGroup':
        if (ev.old === null && ev.cur !== null) e.podGroupAdded(ev.cur);
        else if (ev.old !== null && ev.cur !== null) e.podGroupUpdated(ev.old, ev.cur);
        else if (ev.old !== null) e.podGroupDeleted(ev.old);
        return;
    }
  }

  applyAll(events: readonly (Ev | readonly Ev[])[]): void {
    for (const ev of events) {
      if (Array.isArray(ev)) for (const e of ev as readonly Ev[]) this.apply(e);
      else this.apply(ev as Ev);
    }
  }

  /** Runs ready work items until none is left (upstream's `worker()` on the mock queue). */
  async process(): Promise<void> {
    for (let item = this.queue.take(); item !== undefined; item = this.queue.take()) {
      if (item.kind === 'rule') {
        const againAfter = await syncRuleStatus(item.name, this.engine, this.writer, this.clock.now());
        if (againAfter > 0) this.queue.addAfter(item, againAfter);
        continue;
      }
      this.podItemsProcessed++;
      const key = podUidKey(item.pod);
      const entry = this.scheduled.get(key);
      if (entry === undefined || this.evicted.has(item.pod.uid)) continue; // Stale item: a no-op.
      const remaining = entry.fireAt - this.clock.now();
      if (remaining > 0) {
        this.queue.addAfter(item, remaining);
        continue;
      }
      const outcome = await this.executor.evict(entry.pod, entry.reasons);
      // This harness runs items one at a time with nothing in between: an attempt is always current.
      if (outcome === 'superseded') throw new Error('the harness executor never supersedes an attempt');
      if (this.scheduled.get(key)?.fireAt === entry.fireAt) this.scheduled.delete(key);
      this.evicted.add(item.pod.uid);
      this.engine.evictionFinished({
        pod: entry.pod,
        outcome,
        fireAt: entry.fireAt,
        doneAt: this.clock.now(),
        attempts: 1,
        reasons: entry.reasons,
      });
    }
  }

  /** Moves virtual time forward and makes due delayed items ready (without processing them). */
  advance(ms: number): void {
    this.clock.advance(ms);
    this.queue.promote();
  }

  // ---- Views for assertions ----

  deletePodAt(): Record<string, { when: number; reasons: readonly ReasonId[] }> {
    const out: Record<string, { when: number; reasons: readonly ReasonId[] }> = {};
    for (const e of this.engine.pendingEvictions()) out[podUidKey(e.pod)] = { when: e.fireAt, reasons: e.reasons };
    return out;
  }

  ruleStats(): Record<string, number> {
    return Object.fromEntries(this.engine.ruleStats());
  }

  rules(): Record<string, { status: string; reason: string; message: string; lastTransitionTime: number }> {
    const out: Record<string, { status: string; reason: string; message: string; lastTransitionTime: number }> = {};
    for (const [name, c] of this.api.ruleConditions)
      out[name] = { status: c.status, reason: c.reason, message: c.message, lastTransitionTime: c.lastTransitionTime };
    return out;
  }

  eventList(): string[] {
    return this.api.events.map((e) => `${e.message} ${e.pod.namespace}/${e.pod.name}/${e.pod.uid}`).sort();
  }
}
