// The controller's Prometheus metrics, on a registry of its own (never prom-client's global one, so
// tests and several controllers in one process don't collide). Upstream's two eviction metrics keep
// their names, help and buckets (docs/behaviour.md §2.10); the rest describe this runtime: queue shards, API calls,
// informers, worker restarts. Everything is recorded on the main thread: workers report plain-data
// deltas (src/shared/metricsDelta.ts) and per-shard stats, which are pulled at scrape time.

import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { type LeaderElectionMetrics, leaderElectionMetrics } from '../../kube/leaderElection.js';
import type { Clock } from '../../shared/clock.js';
import type { EvictionResult } from '../../shared/decisions.js';
import { type MetricsDelta, resourceOfPath } from '../../shared/metricsDelta.js';
import type { PartitionStats } from '../../workers/partition.js';

const subsystem = 'device_taint_eviction_controller';
/** Metrics of this runtime that upstream does not have. */
const ownPrefix = 'device_taint_evictor';

export const podDeletionDurationBuckets = [0.005, 0.025, 0.1, 0.5, 1, 2.5, 10, 30, 60, 120, 180, 240] as const;

export interface ControllerMetricsOptions {
  readonly clock: Clock;
  /** Node.js process metrics (CPU, heap, event loop lag). Off in tests. */
  readonly processMetrics?: boolean;
  /**
   * Stats of every shard, pulled once per scrape (workers answer over their control channel, hence the
   * promise). A shard missing from the answer (worker down) has no queue samples in that scrape.
   */
  readonly shardStats?: () => ShardStatsSnapshot | Promise<ShardStatsSnapshot>;
}

/** The breaker as a scrape sees it; `null` when none is configured. */
export interface BreakerSnapshot {
  readonly open: boolean;
  /** Evictions allowed per window now; `null` = no limit yet. */
  readonly limit: number | null;
  /** Evictions counted in the current window. */
  readonly windowEvictions: number;
}

/** One DeviceTaintRule's numbers (rules are few: one label value each). */
export interface RuleSample {
  readonly name: string;
  readonly pendingPods: number;
  readonly evictedPods: number;
  readonly devicesSelected: number;
}

/** Per-shard partition stats: by shard number, or as an array indexed by shard. */
export type ShardStatsSnapshot = ReadonlyMap<number, PartitionStats> | readonly PartitionStats[];

export class ControllerMetrics {
  readonly registry = new Registry();
  private readonly podDeletions: Counter;
  private readonly podDeletionDuration: Histogram;
  private readonly apiCalls: Counter<'verb' | 'resource' | 'code'>;
  private readonly workerRestarts: Counter<'shard'>;
  private readonly lastInformerEventAt = new Map<string, number>();
  private readonly informerSynced = new Map<string, boolean>();
  private readonly leaderStatus: Gauge<'name'>;
  private readonly leaderSlowpath: Counter<'name'>;
  private malformedSource: () => Iterable<readonly [string, number]> = () => [];
  private breakerSource: () => BreakerSnapshot | null = () => null;
  private rulesSource: () => readonly RuleSample[] = () => [];
  private stallSource: () => number | null = () => null;
  /** The decision burst with the most ops so far (a taint storm): ops, and seconds from its event to its last op. */
  private largestBurst: { ops: number; seconds: number } | null = null;
  private shardStatsForScrape: ReadonlyMap<number, PartitionStats> = new Map();

  constructor(private readonly options: ControllerMetricsOptions) {
    const registers = [this.registry];
    this.podDeletions = new Counter({
      name: `${subsystem}_pod_deletions_total`,
      help: 'Total number of Pods deleted by DeviceTaintEvictionController since its start.',
      registers,
    });
    this.podDeletionDuration = new Histogram({
      name: `${subsystem}_pod_deletion_duration_seconds`,
      help: 'Latency, in seconds, between the time when a device taint effect has been activated for a Pod and its deletion via DeviceTaintEvictionController.',
      buckets: [...podDeletionDurationBuckets],
      registers,
    });
    this.apiCalls = new Counter({
      name: `${ownPrefix}_api_calls_total`,
      help: 'Kubernetes API calls made for evictions, events, rule status and leader election, by verb, resource and HTTP code (0 = no response).',
      labelNames: ['verb', 'resource', 'code'],
      registers,
    });
    this.workerRestarts = new Counter({
      name: `${ownPrefix}_worker_restarts_total`,
      help: 'Worker threads respawned after a crash, by shard.',
      labelNames: ['shard'],
      registers,
    });

    const shardGauge = (name: string, help: string, pick: (s: PartitionStats) => number): void => {
      const current = () => this.shardStatsForScrape;
      new Gauge({
        name: `${ownPrefix}_${name}`,
        help,
        labelNames: ['shard'],
        registers,
        collect() {
          this.reset();
          for (const [shard, s] of current()) this.set({ shard: String(shard) }, pick(s));
        },
      });
    };
    shardGauge('queue_depth', 'Evictions waiting for their fire time or a retry, per queue shard.', (s) => s.scheduled);
    shardGauge('queue_running', 'Evictions with API calls in flight, per queue shard.', (s) => s.running);
    shardGauge('queue_retrying', 'Evictions backing off after a failed attempt, per queue shard.', (s) => s.retrying);
    shardGauge(
      'queue_failed_attempts',
      'Failed eviction attempts since start, per queue shard.',
      (s) => s.failedAttempts,
    );
    shardGauge(
      'evictions_throttled',
      'Due evictions a start-rate limit (--max-evictions-per-second or a rule annotation) holds back now, per queue shard.',
      (s) => s.throttled,
    );
    const shardTotals = () => this.shardStatsForScrape;
    new Counter({
      name: `${ownPrefix}_evictions_throttled_total`,
      help: 'Evictions that started later than due because a start-rate limit held them, by limit (global: --max-evictions-per-second, rule: a DeviceTaintRule annotation).',
      labelNames: ['limit'],
      registers,
      collect() {
        this.reset();
        let global = 0;
        let rule = 0;
        for (const s of shardTotals().values()) {
          global += s.throttledGlobalTotal;
          rule += s.throttledRuleTotal;
        }
        this.inc({ limit: 'global' }, global);
        this.inc({ limit: 'rule' }, rule);
      },
    });

    const breaker = () => this.breakerSource();
    new Gauge({
      name: `${subsystem}_breaker_open`,
      help: '1 while the blast-radius breaker is open (no eviction starts until it is reset), else 0; absent without a breaker.',
      registers,
      collect() {
        this.reset();
        const b = breaker();
        if (b !== null) this.set(b.open ? 1 : 0);
      },
    });
    new Gauge({
      name: `${ownPrefix}_breaker_limit`,
      help: 'Evictions the breaker allows to start per --breaker-window (the lower of --breaker-max-evictions and --breaker-max-percent of the pods using claims).',
      registers,
      collect() {
        this.reset();
        const b = breaker();
        if (b?.limit != null) this.set(b.limit);
      },
    });
    new Gauge({
      name: `${ownPrefix}_breaker_window_evictions`,
      help: 'Evictions started within the current breaker window.',
      registers,
      collect() {
        this.reset();
        const b = breaker();
        if (b !== null) this.set(b.windowEvictions);
      },
    });

    const stall = () => this.stallSource();
    new Gauge({
      name: `${ownPrefix}_event_loop_longest_stall_seconds`,
      help: "Longest stall of the main thread's event loop since the informers started (initial sync included): how long a timer, such as a lease renewal, could have waited.",
      registers,
      collect() {
        this.reset();
        const ms = stall();
        if (ms !== null) this.set(ms / 1000);
      },
    });
    const burst = () => this.largestBurst;
    new Gauge({
      name: `${ownPrefix}_largest_decision_burst_ops`,
      help: 'Schedule and cancel ops of the largest burst of decisions so far (a taint storm, a rule flip).',
      registers,
      collect() {
        this.reset();
        const b = burst();
        if (b !== null) this.set(b.ops);
      },
    });
    new Gauge({
      name: `${ownPrefix}_largest_decision_burst_seconds`,
      help: 'Time of that burst, from the start of the event that caused it to its last op handed to the worker queues.',
      registers,
      collect() {
        this.reset();
        const b = burst();
        if (b !== null) this.set(b.seconds);
      },
    });

    const rules = () => this.rulesSource();
    const ruleGauge = (name: string, help: string, pick: (r: RuleSample) => number): void => {
      new Gauge({
        name: `${ownPrefix}_${name}`,
        help,
        labelNames: ['rule'],
        registers,
        collect() {
          this.reset();
          for (const r of rules()) this.set({ rule: r.name }, pick(r));
        },
      });
    };
    ruleGauge(
      'rule_pods_pending_eviction',
      'Pods pending eviction because of a DeviceTaintRule.',
      (r) => r.pendingPods,
    );
    ruleGauge(
      'rule_devices_selected',
      'Devices in current ResourceSlices that a DeviceTaintRule selects.',
      (r) => r.devicesSelected,
    );
    new Counter({
      name: `${ownPrefix}_rule_pods_evicted_total`,
      help: 'Pods evicted because of a DeviceTaintRule since this controller started.',
      labelNames: ['rule'],
      registers,
      collect() {
        this.reset();
        for (const r of rules()) this.inc({ rule: r.name }, r.evictedPods);
      },
    });

    const lastEventAt = this.lastInformerEventAt;
    const clock = this.options.clock;
    new Gauge({
      name: `${ownPrefix}_informer_last_event_age_seconds`,
      help: 'Seconds since the informer of a resource last delivered an event (list, watch event or bookmark).',
      labelNames: ['resource'],
      registers,
      collect() {
        this.reset();
        const now = clock.now();
        for (const [resource, at] of lastEventAt) this.set({ resource }, Math.max(0, (now - at) / 1000));
      },
    });
    const synced = this.informerSynced;
    new Gauge({
      name: `${ownPrefix}_informer_synced`,
      help: '1 once the informer of a resource has completed its initial list.',
      labelNames: ['resource'],
      registers,
      collect() {
        this.reset();
        for (const [resource, ok] of synced) this.set({ resource }, ok ? 1 : 0);
      },
    });

    const malformed = () => this.malformedSource();
    new Counter({
      name: `${ownPrefix}_informer_malformed_objects_total`,
      help: 'Objects an informer could not read (from lists and watch events), by resource: quarantined (dropped, or a slice kept without its devices) instead of cached.',
      labelNames: ['resource'],
      registers,
      collect() {
        this.reset();
        for (const [resource, count] of malformed()) this.inc({ resource }, count);
      },
    });

    // client-go's leader election metrics (component-base clientgo/leaderelection), same names and help.
    this.leaderStatus = new Gauge({
      name: leaderElectionMetrics.masterStatus.name,
      help: leaderElectionMetrics.masterStatus.help,
      labelNames: ['name'],
      registers,
    });
    this.leaderSlowpath = new Counter({
      name: leaderElectionMetrics.slowpathTotal.name,
      help: leaderElectionMetrics.slowpathTotal.help,
      labelNames: ['name'],
      registers,
    });

    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** The hooks a LeaseLeaderElector reports through. */
  readonly leaderElection: LeaderElectionMetrics = {
    on: (name) => this.leaderStatus.set({ name }, 1),
    off: (name) => this.leaderStatus.set({ name }, 0),
    slowpathExercised: (name) => this.leaderSlowpath.inc({ name }),
  };

  /** Where scrapes read the malformed-object counts per resource (the informers' counters). */
  countMalformedFrom(source: () => Iterable<readonly [string, number]>): void {
    this.malformedSource = source;
  }

  /** Where scrapes read the breaker's state (absent: no breaker metrics). */
  observeBreaker(source: () => BreakerSnapshot | null): void {
    this.breakerSource = source;
  }

  /** Where scrapes read the longest event-loop stall (ms) so far; null: not measured (yet). */
  observeLongestStall(source: () => number | null): void {
    this.stallSource = source;
  }

  /** A burst of decisions was made and handed on: kept when it is the largest so far. */
  recordDecisionBurst(ops: number, seconds: number): void {
    if (this.largestBurst === null || ops >= this.largestBurst.ops) this.largestBurst = { ops, seconds };
  }

  /** Where scrapes read the per-rule numbers. */
  observeRules(source: () => readonly RuleSample[]): void {
    this.rulesSource = source;
  }

  /** Upstream's metrics (docs/behaviour.md §2.7 step 6): real deletions and already-terminating pods count, 'gone' does not. */
  recordResult(result: EvictionResult): void {
    if (result.outcome === 'gone') return;
    this.podDeletions.inc();
    this.podDeletionDuration.observe(Math.max(0, (result.doneAt - result.fireAt) / 1000));
  }

  recordApiCall(verb: string, resource: string, code: number): void {
    this.apiCalls.inc({ verb, resource, code: String(code) });
  }

  /** `onCall` observer for API clients on the main thread (rule status, leader election). */
  readonly observeApiCall = (verb: string, path: string, code: number): void => {
    this.recordApiCall(verb, resourceOfPath(path), code);
  };

  /** Merges counts reported by a worker thread. */
  mergeDelta(delta: MetricsDelta): void {
    for (const call of delta.apiCalls)
      if (call.count > 0)
        this.apiCalls.inc({ verb: call.verb, resource: call.resource, code: String(call.code) }, call.count);
  }

  recordWorkerRestart(shard: number): void {
    this.workerRestarts.inc({ shard: String(shard) });
  }

  recordInformerEvent(resource: string): void {
    this.lastInformerEventAt.set(resource, this.options.clock.now());
  }

  setInformerSynced(resource: string, synced: boolean): void {
    this.informerSynced.set(resource, synced);
  }

  /** Prometheus text exposition. Pulls shard stats once for all queue gauges of this scrape. */
  async render(): Promise<string> {
    const read = this.options.shardStats;
    if (read !== undefined) {
      const stats = await read();
      this.shardStatsForScrape = Array.isArray(stats)
        ? new Map(stats.map((s, i): [number, PartitionStats] => [i, s]))
        : (stats as ReadonlyMap<number, PartitionStats>);
    }
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
