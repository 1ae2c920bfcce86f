// The main thread's side of the brakes (the workers' side is src/workers/admission.ts): it creates the
// shared state every worker joins (the global start rate, the breaker), keeps each DeviceTaintRule's
// start rate in step with its annotation, turns the workers' brake reports into one log line per
// episode, and owns the breaker's keeper (limit, cluster record, reset, events).
//
// Every brake is off unless configured, as upstream has none.

import type { ApiClient } from '../../kube/apiClient.js';
import { BreakerRecordStore } from '../../kube/breakerRecord.js';
import { eventsPath, objectEvent } from '../../kube/podEvents.js';
import type { Clock } from '../../shared/clock.js';
import { EvictionBreaker, type EvictionBreakerSpec } from '../../shared/evictionBreaker.js';
import type { Logger } from '../../shared/logger.js';
import type { BrakeEventData, RuleRate } from '../../shared/messages/types.js';
import { SharedTokenBucket, type SharedTokenBucketSpec } from '../../shared/tokenBucket.js';
import type { RuleRecord } from '../../shared/types.js';
import type { PartitionEntrySnapshot, SnapshotFilter } from '../../workers/partition.js';
import type { EvictionEngine } from '../engine/engine.js';
import { BreakerKeeper, type HeldEvictions } from './breakerKeeper.js';
import { heldEvictions } from './heldEvictions.js';
import type { BreakerSnapshot } from './metrics.js';

export interface BrakeSettings {
  /** Evictions started per second across all workers; 0 = unlimited (upstream). */
  readonly maxEvictionsPerSecond: number;
  readonly maxEvictionsBurst: number;
  /** The breaker opens when one more start would exceed this many in the window; null = no such bound. */
  readonly breakerMaxEvictions: number | null;
  /** … or this percentage (0–100] of the pods that use ResourceClaims; null = no such bound. */
  readonly breakerMaxPercent: number | null;
  readonly breakerWindowMs: number;
  /** Close an open breaker by itself after this long; null = only an operator closes it. */
  readonly breakerAutoResetAfterMs: number | null;
  /** Where the breaker's record (a ConfigMap) lives. */
  readonly breakerNamespace: string;
  readonly breakerName: string;
}

/** Whether a breaker is configured (either bound). */
export const breakerConfigured = (s: BrakeSettings): boolean =>
  s.breakerMaxEvictions !== null || s.breakerMaxPercent !== null;

/** The shared memory the workers join (see ShardWorkerData). */
export interface BrakeSpecs {
  readonly startRate: SharedTokenBucketSpec | null;
  readonly breaker: EvictionBreakerSpec | null;
}

export function createBrakeSpecs(settings: BrakeSettings, now: number = Date.now()): BrakeSpecs {
  return {
    startRate:
      settings.maxEvictionsPerSecond > 0
        ? SharedTokenBucket.createSpec({
            qps: settings.maxEvictionsPerSecond,
            burst: Math.max(1, settings.maxEvictionsBurst),
          })
        : null,
    breaker: breakerConfigured(settings) ? EvictionBreaker.createSpec(settings.breakerWindowMs, now) : null,
  };
}

/**
 * The start rates of the rules that carry the annotation, kept in step with the rule informer. A rule
 * keeps its shared bucket while its rate stays the same, so an unrelated update of the rule (its status,
 * written by us every few seconds) does not refill it.
 */
export class RuleStartRates {
  private readonly byUid = new Map<string, { readonly perMinute: number; readonly rate: RuleRate }>();

  constructor(
    private readonly publish: (rates: readonly RuleRate[]) => void,
    private readonly log: Logger,
  ) {}

  readonly added = (rule: RuleRecord): void => this.apply(null, rule);
  readonly updated = (old: RuleRecord, cur: RuleRecord): void => this.apply(old, cur);
  readonly deleted = (rule: RuleRecord): void => {
    if (this.byUid.delete(rule.uid)) this.publish(this.list());
  };

  private apply(old: RuleRecord | null, cur: RuleRecord): void {
    let changed = false;
    if (old !== null && old.uid !== cur.uid) changed = this.byUid.delete(old.uid);
    const limit = cur.startLimit;
    const known = this.byUid.get(cur.uid);
    if (limit === null) {
      changed = this.byUid.delete(cur.uid) || changed;
    } else if (known?.perMinute !== limit.perMinute) {
      const qps = limit.perMinute / 60;
      // One start at a time, then the rate: a brake that lets a burst through first is no brake.
      this.byUid.set(cur.uid, {
        perMinute: limit.perMinute,
        rate: { ruleUid: cur.uid, rate: SharedTokenBucket.createSpec({ qps, burst: 1 }) },
      });
      changed = true;
      if (limit.invalid !== null)
        this.log.warn('DeviceTaintRule start-rate annotation is not a positive number; using the most cautious limit', {
          rule: cur.name,
          annotation: limit.invalid,
          maxEvictionsPerMinute: limit.perMinute,
        });
      else this.log.info('DeviceTaintRule start rate', { rule: cur.name, maxEvictionsPerMinute: limit.perMinute });
    }
    if (changed) this.publish(this.list());
  }

  list(): RuleRate[] {
    return [...this.byUid.values()].map((entry) => entry.rate);
  }
}

/** Turns per-worker brake reports into one log line when an episode starts and one when it ends. */
export class BrakeEpisodes {
  private readonly throttled = { global: new Set<number>(), rule: new Set<number>() };
  private readonly fenceHeld = new Set<number>();

  constructor(
    private readonly log: Logger,
    private readonly onBreakerOpened: () => void,
  ) {}

  readonly onBrake = (event: BrakeEventData, shard: number): void => {
    switch (event.kind) {
      case 'throttled':
      case 'unthrottled': {
        const shards = this.throttled[event.limit];
        const before = shards.size;
        if (event.kind === 'throttled') shards.add(shard);
        else shards.delete(shard);
        const what =
          event.limit === 'global'
            ? '--max-evictions-per-second'
            : 'a DeviceTaintRule max-evictions-per-minute annotation';
        if (before === 0 && shards.size > 0)
          this.log.info('Evictions throttled: due evictions wait for their start rate', {
            limit: event.limit,
            by: what,
          });
        else if (before > 0 && shards.size === 0)
          this.log.info('Evictions no longer throttled', { limit: event.limit });
        return;
      }
      case 'held':
        if (event.why === 'breaker') {
          // The keeper records the opening in the cluster and logs it once.
          if (event.opened) this.onBreakerOpened();
          return;
        }
        if (this.fenceHeld.size === 0)
          this.log.warn('Evictions held: this process has no valid leader lease right now');
        this.fenceHeld.add(shard);
        return;
      case 'released':
        if (event.why === 'fence' && this.fenceHeld.delete(shard) && this.fenceHeld.size === 0)
          this.log.info('Evictions no longer held: the leader lease is valid again');
        return;
    }
  };
}

export interface BrakesDeps {
  readonly settings: BrakeSettings;
  readonly specs: BrakeSpecs;
  readonly engine: EvictionEngine;
  readonly api: ApiClient;
  /** Whether this process may write now (the write fence). */
  readonly mayWrite: () => boolean;
  readonly clock: Clock;
  readonly log: Logger;
  /** `resource.k8s.io/<version>` of the DeviceTaintRules served (for the events about them). */
  readonly ruleApiVersion: string;
  /** The event's reportingInstance (the host name). */
  readonly reportingInstance: string;
  /** The rules' start rates, to every worker. */
  readonly publishRuleRates: (rates: readonly RuleRate[]) => void;
  /** The queues' entries (the runtime's snapshot): what they hold, as opposed to what runs. */
  readonly queued: (filter: SnapshotFilter) => Promise<readonly PartitionEntrySnapshot[]>;
}

/** How long `restore` waits between attempts to read the breaker's record. */
const RESTORE_RETRY_MS = { first: 500, max: 10_000 };
/** Events carry at most this much text. */
const MAX_EVENT_MESSAGE = 1024;

export class Brakes {
  readonly breaker: EvictionBreaker | null;
  readonly keeper: BreakerKeeper | null;
  readonly store: BreakerRecordStore | null;
  readonly ruleRates: RuleStartRates;
  readonly episodes: BrakeEpisodes;

  constructor(private readonly deps: BrakesDeps) {
    const { settings, specs, engine, clock, log } = deps;
    this.ruleRates = new RuleStartRates(deps.publishRuleRates, log);
    this.breaker = specs.breaker === null ? null : new EvictionBreaker(specs.breaker);
    this.store =
      this.breaker === null ? null : new BreakerRecordStore(deps.api, settings.breakerNamespace, settings.breakerName);
    this.keeper =
      this.breaker === null || this.store === null
        ? null
        : new BreakerKeeper({
            breaker: this.breaker,
            store: this.store,
            limits: {
              maxEvictions: settings.breakerMaxEvictions,
              maxPercent: settings.breakerMaxPercent,
              autoResetAfterMs: settings.breakerAutoResetAfterMs,
            },
            clock,
            log,
            mayWrite: deps.mayWrite,
            podsUsingClaims: () => engine.podsUsingClaims,
            held: () => this.held(),
            announce: (held, reason) => this.announce(held, reason),
          });
    this.episodes = new BrakeEpisodes(log, () => this.keeper?.poke());
  }

  /**
   * What the breaker holds now: the due evictions the queues keep, not those already running (started
   * before it opened, and about to finish), with their reasons from the engine. One the engine no longer
   * has (cancelled on the way to its queue) is not held.
   */
  async held(): Promise<HeldEvictions> {
    const { engine, clock } = this.deps;
    const now = clock.now();
    const queued = await this.deps.queued({ state: 'scheduled', dueBy: now });
    const pending = queued.flatMap((entry) => {
      const eviction = engine.pendingEviction(entry.pod);
      return eviction === undefined || eviction.pod.uid !== entry.pod.uid ? [] : [eviction];
    });
    return heldEvictions(pending, now, (reason) => engine.describeReason(reason));
  }

  /**
   * Reads the breaker's record before the first eviction, retrying until it can (a record it cannot
   * read might say open). Resolves true once read, false when `cancelled` turned true first.
   */
  async restore(cancelled: () => boolean): Promise<boolean> {
    if (this.keeper === null) return true;
    let wait = RESTORE_RETRY_MS.first;
    for (;;) {
      if (cancelled()) return false;
      try {
        await this.keeper.restore();
        return !cancelled();
      } catch (error) {
        this.deps.log.warn('Reading the eviction breaker record failed; no eviction starts until it is read', {
          configMap: `${this.store?.namespace}/${this.store?.name}`,
          error: error instanceof Error ? error.message : String(error),
          retryInMs: wait,
        });
      }
      await new Promise<void>((resolve) => this.deps.clock.setTimer(resolve, wait));
      wait = Math.min(wait * 2, RESTORE_RETRY_MS.max);
    }
  }

  start(): void {
    this.keeper?.start();
  }

  async stop(): Promise<void> {
    await this.keeper?.stop();
  }

  snapshot(): BreakerSnapshot | null {
    const breaker = this.breaker;
    if (breaker === null) return null;
    return { open: breaker.isOpen(), limit: breaker.limit, windowEvictions: breaker.countAt(this.deps.clock.now()) };
  }

  /** Warning events about an opening: on the record's ConfigMap and on every rule among the causes. */
  private async announce(held: HeldEvictions, reason: string): Promise<void> {
    const { api, clock, engine, reportingInstance, mayWrite, ruleApiVersion } = this.deps;
    const store = this.store;
    if (store === null || !mayWrite()) return;
    const message = truncate(
      `Eviction breaker open: ${reason}. ${held.pods} due eviction${held.pods === 1 ? '' : 's'} held` +
        `${held.causes.length === 0 ? '' : ` (${held.causes.join('; ')})`}. ` +
        `Nothing is lost; reset with: device-taint-evictor breaker reset --namespace ${store.namespace}`,
    );
    const spec = { type: 'Warning', reason: 'EvictionBreakerOpen', message } as const;
    const involved = [
      { apiVersion: 'v1', kind: 'ConfigMap', namespace: store.namespace, name: store.name, uid: store.uid },
      ...held.rules.flatMap((name) => {
        const rule = engine.getRule(name);
        return rule === null
          ? []
          : [{ apiVersion: ruleApiVersion, kind: 'DeviceTaintRule', name: rule.name, uid: rule.uid }];
      }),
    ];
    const now = clock.now();
    await Promise.all(
      involved.map(async (object) => {
        const event = objectEvent(object, spec, now, reportingInstance);
        await api.request({
          method: 'POST',
          path: eventsPath(event.metadata.namespace),
          body: event,
          mayRetry: mayWrite,
        });
      }),
    );
  }
}

const truncate = (text: string): string =>
  text.length <= MAX_EVENT_MESSAGE ? text : `${text.slice(0, MAX_EVENT_MESSAGE - 1)}…`;
