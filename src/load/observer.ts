// Watches what the eviction controller does to the run's pods, from the outside, as any client would:
// when each pod's deletion became visible, how many DisruptionTarget condition patches and
// DeviceTaintManagerEviction events showed up. It never sees the controller's GETs, so "API calls seen
// per eviction" is a lower bound on what the controller really sent.

import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { LoadCluster, WatchEvent } from './cluster.js';
import { arrayField, field, stringField, timeValue } from './json.js';
import { startWatchLoop, type WatchLoop } from './watchLoop.js';

export const EVICTION_EVENT_REASON = 'DeviceTaintManagerEviction';
export const MARKING_MESSAGE = 'Marking for deletion';
export const CANCELLING_MESSAGE = 'Cancelling deletion';
export const DISRUPTION_REASON = 'DeletionByDeviceTaintManager';

export interface ObservedCounts {
  /** Distinct DisruptionTarget (DeletionByDeviceTaintManager) conditions seen appearing or changing. */
  readonly conditionPatches: number;
  /** `Marking for deletion` events, counting aggregated repeats (`count`). */
  readonly markingEvents: number;
  readonly cancellingEvents: number;
  /** Pods whose deletion was observed (deletionTimestamp set, DELETED, or gone on relist). */
  readonly deletions: number;
}

export interface ObserverOptions {
  readonly namespace: string;
  readonly labelSelector: string;
  /** Stamps observations; tests pass a FakeClock to make latencies exact. */
  readonly clock: Clock;
  readonly log: Logger;
}

export class LoadObserver {
  private readonly deleted = new Map<string, number>();
  /** UIDs of pods seen alive: a pod missing from a relist is only a deletion if we knew it. */
  private readonly alive = new Set<string>();
  private readonly known = new Set<string>();
  /** uid → lastTransitionTime/status of its DisruptionTarget condition, to count each patch once. */
  private readonly conditions = new Map<string, string>();
  private readonly withCondition = new Set<string>();
  /** Event name → highest `count` seen, so aggregated events are counted by their increments. */
  private readonly eventCounts = new Map<string, number>();
  private conditionPatches = 0;
  private markingEvents = 0;
  private cancellingEvents = 0;
  /** When each condition patch and eviction event was seen: the controller's writes, as they arrive. */
  private readonly writeTimes: number[] = [];
  private readonly listeners = new Set<() => void>();
  private readonly deletionListeners = new Set<(uid: string) => void>();
  private loops: WatchLoop[] = [];

  constructor(
    private readonly cluster: LoadCluster,
    private readonly opts: ObserverOptions,
  ) {}

  /** Lists and starts watching pods and events; resolves once both lists are in (watches resume from them). */
  async start(): Promise<void> {
    const ns = encodeURIComponent(this.opts.namespace);
    const pods = startWatchLoop(this.cluster, {
      path: `/api/v1/namespaces/${ns}/pods`,
      query: { labelSelector: this.opts.labelSelector },
      list: () => this.cluster.listPods(this.opts.namespace, this.opts.labelSelector),
      onList: (items) => this.onPodList(items),
      onEvent: (e) => this.onPodEvent(e),
      log: this.opts.log,
    });
    const events = startWatchLoop(this.cluster, {
      path: `/api/v1/namespaces/${ns}/events`,
      list: () => this.cluster.listEvents(this.opts.namespace),
      onList: (items) => {
        for (const item of items) this.onEventObject(item);
        this.notify();
      },
      onEvent: (e) => {
        if (e.type === 'ADDED' || e.type === 'MODIFIED') this.onEventObject(e.object);
        this.notify();
      },
      log: this.opts.log,
    });
    this.loops = [pods, events];
    try {
      await Promise.all([pods.ready, events.ready]);
    } catch (err) {
      this.stop();
      throw err;
    }
  }

  stop(): void {
    for (const loop of this.loops) loop.stop();
    this.loops = [];
  }

  /** First observed deletion time per pod UID. */
  get deletedAt(): ReadonlyMap<string, number> {
    return this.deleted;
  }

  /**
   * When each condition patch and eviction event of the controller was seen (deletions are in
   * `deletedAt`). Feeds the API budget analysis (budget.ts).
   */
  get conditionAndEventTimes(): readonly number[] {
    return this.writeTimes;
  }

  /** UIDs of pods deleted that carried the DisruptionTarget condition before they went. */
  get podsWithCondition(): ReadonlySet<string> {
    return this.withCondition;
  }

  counts(): ObservedCounts {
    return {
      conditionPatches: this.conditionPatches,
      markingEvents: this.markingEvents,
      cancellingEvents: this.cancellingEvents,
      deletions: this.deleted.size,
    };
  }

  /** Registers a callback run after every observed change; returns its unsubscribe. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Registers a callback run once per pod, when its deletion is first observed; returns its unsubscribe. */
  onDeletion(listener: (uid: string) => void): () => void {
    this.deletionListeners.add(listener);
    return () => this.deletionListeners.delete(listener);
  }

  /**
   * Resolves `true` as soon as `done()` holds (checked on every change and every `pollMs`, for conditions
   * that depend on time), `false` when `timeoutMs` of wall time pass first.
   */
  waitUntil(done: () => boolean, timeoutMs: number, pollMs = 200): Promise<boolean> {
    if (done()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const finish = (result: boolean) => {
        unsubscribe();
        clearInterval(poll);
        clearTimeout(deadline);
        resolve(result);
      };
      const check = () => {
        if (done()) finish(true);
      };
      const unsubscribe = this.onChange(check);
      const poll = setInterval(check, pollMs);
      const deadline = setTimeout(() => finish(done()), Math.max(0, timeoutMs));
    });
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  private recordDeletion(uid: string): void {
    this.alive.delete(uid);
    if (this.deleted.has(uid)) return;
    this.deleted.set(uid, this.opts.clock.now());
    for (const listener of [...this.deletionListeners]) listener(uid);
  }

  private onPodList(items: readonly unknown[]): void {
    const listed = new Set<string>();
    for (const pod of items) {
      const uid = stringField(pod, 'metadata', 'uid');
      if (uid === '') continue;
      listed.add(uid);
      this.onPodObject(pod);
    }
    // Deleted while no watch was open: we only learn it now, so the observed time is now.
    for (const uid of [...this.alive]) if (!listed.has(uid)) this.recordDeletion(uid);
    this.notify();
  }

  private onPodEvent(event: WatchEvent): void {
    const uid = stringField(event.object, 'metadata', 'uid');
    if (uid === '') return;
    if (event.type === 'DELETED') {
      this.noteCondition(uid, event.object);
      this.recordDeletion(uid);
    } else {
      this.onPodObject(event.object);
    }
    this.notify();
  }

  private onPodObject(pod: unknown): void {
    const uid = stringField(pod, 'metadata', 'uid');
    this.known.add(uid);
    this.noteCondition(uid, pod);
    // A graceful delete shows as deletionTimestamp first; on a real cluster the pod may then wait for a
    // kubelet that never comes (synthetic nodes), so this, not DELETED, is the moment of eviction.
    if (timeValue(field(pod, 'metadata', 'deletionTimestamp')) !== null) this.recordDeletion(uid);
    else if (!this.deleted.has(uid)) this.alive.add(uid);
  }

  private noteCondition(uid: string, pod: unknown): void {
    for (const c of arrayField(pod, 'status', 'conditions')) {
      if (stringField(c, 'type') !== 'DisruptionTarget' || stringField(c, 'reason') !== DISRUPTION_REASON) continue;
      const lt = field(c, 'lastTransitionTime');
      const stamp = `${timeValue(lt) ?? ''}/${stringField(c, 'status')}`;
      if (this.conditions.get(uid) !== stamp) {
        this.conditions.set(uid, stamp);
        this.conditionPatches++;
        this.writeTimes.push(this.opts.clock.now());
      }
      this.withCondition.add(uid);
    }
  }

  private onEventObject(event: unknown): void {
    if (stringField(event, 'reason') !== EVICTION_EVENT_REASON) return;
    // Only events about this run's pods; a reused namespace may hold older ones.
    if (!this.known.has(stringField(event, 'involvedObject', 'uid'))) return;
    const name = stringField(event, 'metadata', 'name');
    const rawCount = field(event, 'count');
    const count = typeof rawCount === 'number' && rawCount > 0 ? rawCount : 1;
    const seen = this.eventCounts.get(name) ?? 0;
    const delta = Math.max(0, count - seen);
    this.eventCounts.set(name, Math.max(seen, count));
    const message = stringField(event, 'message');
    if (message === CANCELLING_MESSAGE) this.cancellingEvents += delta;
    else if (message === MARKING_MESSAGE) this.markingEvents += delta;
    else return;
    const now = this.opts.clock.now();
    for (let i = 0; i < delta; i++) this.writeTimes.push(now);
  }
}
