// Watches the simulated cluster from the inside (store watches, delivered synchronously inside the
// write that causes them) and turns what the controller does into happenings the story can print and
// wait on: a pod deleted (with the DisruptionTarget condition and Events it got), a DeviceTaintRule's
// EvictionInProgress condition changing, an Event about something else than a pod (the breaker's
// Warning events), the breaker's record (a ConfigMap) changing. The timestamps are the moments the
// writes landed.

import { type BreakerRecord, breakerRecordOf } from '../kube/breakerRecord.js';
import type { StoredEntry } from '../sim/entry.js';
import type { EventType } from '../sim/history.js';
import type { SimStore, WatchHandle } from '../sim/index.js';
import { isObject, type JsonObject, type JsonValue } from '../sim/json.js';
import { entryObject } from '../sim/store.js';
import { CONFIGMAPS, EVENTS, PODS, RULES } from './cluster.js';

export interface PodCondition {
  readonly type: string;
  readonly status: string;
  readonly reason: string;
  readonly message: string;
}

export interface PodDeletion {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  /** Wall-clock ms when the DELETE landed. */
  readonly at: number;
  /** The DisruptionTarget condition the pod carried when it went, if any. */
  readonly disruptionTarget: PodCondition | null;
}

export interface PodEventSeen {
  readonly uid: string;
  readonly reason: string;
  readonly message: string;
  readonly at: number;
}

export interface RuleConditionSeen {
  readonly rule: string;
  readonly status: string;
  readonly reason: string;
  readonly message: string;
  readonly at: number;
}

/** An Event about anything but a pod (the breaker's EvictionBreakerOpen on its ConfigMap and on rules). */
export interface ObjectEventSeen {
  /** `ConfigMap`, `DeviceTaintRule`, … */
  readonly kind: string;
  /** `namespace/name`, or the name of a cluster-scoped object. */
  readonly object: string;
  readonly type: string;
  readonly reason: string;
  readonly message: string;
  readonly at: number;
}

export interface BreakerRecordSeen {
  readonly record: BreakerRecord;
  readonly at: number;
}

/** Where the controller keeps its breaker record (its --breaker-namespace and --breaker-name). */
export interface BreakerRecordRef {
  readonly namespace: string;
  readonly name: string;
}

export type Happening =
  | { readonly kind: 'podDeleted'; readonly deletion: PodDeletion }
  | { readonly kind: 'podEvent'; readonly event: PodEventSeen }
  | { readonly kind: 'ruleCondition'; readonly condition: RuleConditionSeen }
  | { readonly kind: 'objectEvent'; readonly event: ObjectEventSeen }
  | { readonly kind: 'breakerRecord'; readonly seen: BreakerRecordSeen };

const str = (v: JsonValue | undefined): string => (typeof v === 'string' ? v : '');
const obj = (v: JsonValue | undefined): JsonObject => (isObject(v) ? v : {});
const list = (v: JsonValue | undefined): JsonValue[] => (Array.isArray(v) ? v : []);

function conditionOf(object: JsonObject, type: string): JsonObject | null {
  const found = list(obj(object.status).conditions).find((c) => isObject(c) && c.type === type);
  return isObject(found) ? found : null;
}

export class ClusterObserver {
  private readonly deletions = new Map<string, PodDeletion>();
  private readonly events: PodEventSeen[] = [];
  private readonly seenEventNames = new Set<string>();
  private readonly ruleHistory = new Map<string, RuleConditionSeen[]>();
  private readonly objectEvents: ObjectEventSeen[] = [];
  private readonly breakerHistory: BreakerRecordSeen[] = [];
  private readonly listeners = new Set<(h: Happening) => void>();
  private readonly waiters = new Set<() => void>();
  private handles: WatchHandle[] = [];

  constructor(
    private readonly store: SimStore,
    private readonly now: () => number = Date.now,
    private readonly breaker: BreakerRecordRef | null = null,
  ) {}

  /** Watches from the store's current resourceVersion: only what happens from now on. */
  start(): void {
    const since = this.store.resourceVersion;
    this.handles = [
      this.store.watch(PODS, {}, since, (type, entry) => this.onPod(type, entry)),
      this.store.watch(EVENTS, {}, since, (type, entry) => this.onEvent(type, entry)),
      this.store.watch(RULES, {}, since, (type, entry) => this.onRule(type, entry)),
    ];
    const breaker = this.breaker;
    if (breaker !== null)
      this.handles.push(
        this.store.watch(CONFIGMAPS, { namespace: breaker.namespace }, since, (type, entry) =>
          this.onConfigMap(type, entry, breaker),
        ),
      );
  }

  stop(): void {
    for (const h of this.handles) h.stop();
    this.handles = [];
    this.listeners.clear();
  }

  /** Re-checks every pending `waitUntil` now (for conditions that depend on something besides the store). */
  wake(): void {
    for (const check of [...this.waiters]) check();
  }

  /** Called for every happening, inside the write that caused it; returns the unsubscribe. */
  onHappening(listener: (h: Happening) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  deletionOf(uid: string): PodDeletion | undefined {
    return this.deletions.get(uid);
  }

  get deleted(): ReadonlyMap<string, PodDeletion> {
    return this.deletions;
  }

  /** Pod Events seen so far, all pods. */
  get eventCount(): number {
    return this.events.length;
  }

  eventsFor(uid: string): PodEventSeen[] {
    return this.events.filter((e) => e.uid === uid);
  }

  /** Every distinct EvictionInProgress condition the rule has shown, oldest first. */
  ruleConditions(rule: string): readonly RuleConditionSeen[] {
    return this.ruleHistory.get(rule) ?? [];
  }

  latestRuleCondition(rule: string): RuleConditionSeen | undefined {
    const history = this.ruleHistory.get(rule);
    return history?.[history.length - 1];
  }

  /** Events about objects other than pods, oldest first. */
  get otherEvents(): readonly ObjectEventSeen[] {
    return this.objectEvents;
  }

  /** Every distinct state of the breaker's record (state, held count, opening, reset), oldest first. */
  get breakerRecords(): readonly BreakerRecordSeen[] {
    return this.breakerHistory;
  }

  /** The breaker's record as last written; undefined before the controller first wrote it. */
  get breakerRecord(): BreakerRecord | undefined {
    return this.breakerHistory[this.breakerHistory.length - 1]?.record;
  }

  /**
   * Resolves true as soon as `done()` holds, re-checked after every happening and on `wake()`; false
   * once `timeoutMs` passes first. Nothing here changes by time passing alone, so nothing polls.
   */
  waitUntil(done: () => boolean, timeoutMs: number): Promise<boolean> {
    if (done()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const finish = (result: boolean) => {
        this.waiters.delete(check);
        clearTimeout(deadline);
        resolve(result);
      };
      const check = () => {
        if (done()) finish(true);
      };
      this.waiters.add(check);
      const deadline = setTimeout(() => finish(done()), Math.max(0, timeoutMs));
    });
  }

  /** Listeners first (they print), then waiters, which then see the new state already recorded. */
  private emit(h: Happening): void {
    for (const listener of [...this.listeners]) listener(h);
    this.wake();
  }

  private onPod(type: EventType, entry: StoredEntry): void {
    if (type !== 'DELETED' || this.deletions.has(entry.uid)) return;
    const pod = entryObject(entry);
    const c = conditionOf(pod, 'DisruptionTarget');
    const deletion: PodDeletion = {
      namespace: entry.namespace,
      name: entry.name,
      uid: entry.uid,
      at: this.now(),
      disruptionTarget:
        c === null
          ? null
          : { type: 'DisruptionTarget', status: str(c.status), reason: str(c.reason), message: str(c.message) },
    };
    this.deletions.set(entry.uid, deletion);
    this.emit({ kind: 'podDeleted', deletion });
  }

  private onEvent(type: EventType, entry: StoredEntry): void {
    if (type === 'DELETED') return;
    const event = entryObject(entry);
    const involved = obj(event.involvedObject);
    // An aggregated repeat (count + 1) is a new happening too; key by name and count.
    const key = `${entry.key}#${typeof event.count === 'number' ? event.count : 1}`;
    if (this.seenEventNames.has(key)) return;
    this.seenEventNames.add(key);
    if (str(involved.kind) !== 'Pod') {
      const namespace = str(involved.namespace);
      const other: ObjectEventSeen = {
        kind: str(involved.kind),
        object: namespace === '' ? str(involved.name) : `${namespace}/${str(involved.name)}`,
        type: str(event.type),
        reason: str(event.reason),
        message: str(event.message),
        at: this.now(),
      };
      this.objectEvents.push(other);
      this.emit({ kind: 'objectEvent', event: other });
      return;
    }
    const seen: PodEventSeen = {
      uid: str(involved.uid),
      reason: str(event.reason),
      message: str(event.message),
      at: this.now(),
    };
    this.events.push(seen);
    this.emit({ kind: 'podEvent', event: seen });
  }

  private onRule(type: EventType, entry: StoredEntry): void {
    if (type === 'DELETED') return;
    const c = conditionOf(entryObject(entry), 'EvictionInProgress');
    if (c === null) return;
    const history = this.ruleHistory.get(entry.name) ?? [];
    const last = history[history.length - 1];
    const status = str(c.status);
    const reason = str(c.reason);
    const message = str(c.message);
    if (last !== undefined && last.status === status && last.reason === reason && last.message === message) return;
    const condition: RuleConditionSeen = { rule: entry.name, status, reason, message, at: this.now() };
    history.push(condition);
    this.ruleHistory.set(entry.name, history);
    this.emit({ kind: 'ruleCondition', condition });
  }

  private onConfigMap(type: EventType, entry: StoredEntry, breaker: BreakerRecordRef): void {
    if (type === 'DELETED' || entry.name !== breaker.name) return;
    const record = breakerRecordOf(entryObject(entry));
    if (record === null) return;
    const last = this.breakerRecord;
    const same =
      last !== undefined &&
      last.state === record.state &&
      last.heldPods === record.heldPods &&
      last.openedAt === record.openedAt &&
      last.resetAt === record.resetAt;
    if (same) return;
    const seen: BreakerRecordSeen = { record, at: this.now() };
    this.breakerHistory.push(seen);
    this.emit({ kind: 'breakerRecord', seen });
  }
}
