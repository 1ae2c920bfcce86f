// Watches the simulated cluster from the inside (store watches, delivered synchronously inside the
// write that causes them) and turns what the controller does into happenings the story can print and
// wait on: a pod deleted (with the DisruptionTarget condition and Events it got), a DeviceTaintRule's
// EvictionInProgress condition changing. The timestamps are the moments the writes landed.

import type { StoredEntry } from '../sim/entry.js';
import type { EventType } from '../sim/history.js';
import type { SimStore, WatchHandle } from '../sim/index.js';
import { isObject, type JsonObject, type JsonValue } from '../sim/json.js';
import { entryObject } from '../sim/store.js';
import { EVENTS, PODS, RULES } from './cluster.js';

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

export type Happening =
  | { readonly kind: 'podDeleted'; readonly deletion: PodDeletion }
  | { readonly kind: 'podEvent'; readonly event: PodEventSeen }
  | { readonly kind: 'ruleCondition'; readonly condition: RuleConditionSeen };

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
  private readonly listeners = new Set<(h: Happening) => void>();
  private readonly waiters = new Set<() => void>();
  private handles: WatchHandle[] = [];

  constructor(
    private readonly store: SimStore,
    private readonly now: () => number = Date.now,
  ) {}

  /** Watches from the store's current resourceVersion: only what happens from now on. */
  start(): void {
    const since = this.store.resourceVersion;
    this.handles = [
      this.store.watch(PODS, {}, since, (type, entry) => this.onPod(type, entry)),
      this.store.watch(EVENTS, {}, since, (type, entry) => this.onEvent(type, entry)),
      this.store.watch(RULES, {}, since, (type, entry) => this.onRule(type, entry)),
    ];
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
    if (str(involved.kind) !== 'Pod') return;
    // An aggregated repeat (count + 1) is a new happening too; key by name and count.
    const key = `${entry.key}#${typeof event.count === 'number' ? event.count : 1}`;
    if (this.seenEventNames.has(key)) return;
    this.seenEventNames.add(key);
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
}
