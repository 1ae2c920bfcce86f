// The main thread's side of the blast-radius breaker. Workers count and open it in shared memory
// (src/shared/evictionBreaker.ts); this keeps everything else in step, every few seconds and at once
// when a worker reports an opening:
// - the limit: `--breaker-max-evictions`, and/or `--breaker-max-percent` of the pods using DRA claims
//   (recomputed, since that population changes), whichever is lower;
// - the cluster's record (a ConfigMap, src/kube/breakerRecord.ts): an opening is written there with
//   what it holds and why, and a record that says open opens the shared breaker — after a restart, a
//   crash or a failover nothing starts before the record was read (`restore`, before the first
//   eviction);
// - an operator's reset (the record turned closed): the shared breaker releases what it held;
// - the auto-reset after `--breaker-auto-reset-after`, when configured: it empties the window but
//   acknowledges nothing, so what was held resumes counted, at most a limit's worth before it opens again;
// - a Warning event `EvictionBreakerOpen` on the record and on every DeviceTaintRule involved, the
//   metric, and one log line per opening and per reset.
// Only the leader writes (the fence); a standby follows the record.

import { type BreakerRecord, type BreakerRecordStore, MAX_HELD_POD_NAMES } from '../../kube/breakerRecord.js';
import type { Clock, TimerHandle } from '../../shared/clock.js';
import type { EvictionBreaker } from '../../shared/evictionBreaker.js';
import type { Logger } from '../../shared/logger.js';

export interface BreakerLimits {
  readonly maxEvictions: number | null;
  /** Percent (0–100] of the pods that use DRA claims. */
  readonly maxPercent: number | null;
  readonly autoResetAfterMs: number | null;
}

/** What the breaker holds right now, for the record, the event and the log. */
export interface HeldEvictions {
  readonly pods: number;
  /** "rule drain-everything (uid …): 120 pods", "device gpu.nvidia.com/node-7/gpu-3 taint xid=79:NoExecute: 8 pods", … */
  readonly causes: readonly string[];
  /** Names of the DeviceTaintRules among the causes. */
  readonly rules: readonly string[];
  /** Some of the held pods (`namespace/name`). */
  readonly podNames: readonly string[];
}

export interface BreakerKeeperDeps {
  readonly breaker: EvictionBreaker;
  readonly store: BreakerRecordStore;
  readonly limits: BreakerLimits;
  readonly clock: Clock;
  readonly log: Logger;
  /** Whether this process may write (the leader's fence). */
  readonly mayWrite: () => boolean;
  /** Pods using DRA claims now (the base of the percentage). */
  readonly podsUsingClaims: () => number;
  readonly held: () => Promise<HeldEvictions>;
  /** Records the Warning events about an opening (best effort). */
  readonly announce: (held: HeldEvictions, reason: string) => Promise<void>;
  readonly onStateChange?: (open: boolean) => void;
  readonly intervalMs?: number;
}

const describeRecordError = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export class BreakerKeeper {
  private timer: TimerHandle | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  /** The opening the cluster's record already shows (by its time), so it is written once. */
  private recordedOpening: number | null = null;
  /** When the record's list of held pods was last brought up to date. */
  private heldWrittenAt = 0;

  constructor(private readonly deps: BreakerKeeperDeps) {
    this.applyLimit();
  }

  /**
   * The limit for the window: the lower of the two configured bounds; null = no breaker. A percentage
   * allows at least one eviction: in a small cluster, a limit of zero would hold the first faulty
   * device's pods, which is an off switch, not a brake.
   */
  limit(): number | null {
    const { maxEvictions, maxPercent } = this.deps.limits;
    const byPercent =
      maxPercent === null ? null : Math.max(1, Math.floor((maxPercent / 100) * this.deps.podsUsingClaims()));
    if (maxEvictions === null) return byPercent;
    if (byPercent === null) return maxEvictions;
    return Math.min(maxEvictions, byPercent);
  }

  /**
   * Reads the cluster's record and opens the shared breaker if it says open. Call before evicting, once
   * the caches have synced (the percentage's base is known then). Throws when the record cannot be
   * read: the caller tries again and starts nothing meanwhile.
   */
  async restore(): Promise<void> {
    this.applyLimit();
    const record = await this.deps.store.read();
    if (record?.state === 'open' && !this.deps.breaker.isOpen()) {
      const openedAt = record.openedAt ?? this.deps.clock.now();
      this.deps.breaker.open(openedAt);
      this.recordedOpening = this.deps.breaker.openedAt();
      this.deps.log.warn('Eviction breaker is open (from the cluster record): no eviction starts until it is reset', {
        configMap: `${this.deps.store.namespace}/${this.deps.store.name}`,
        openedAt: new Date(openedAt).toISOString(),
        reason: record.reason,
      });
      this.deps.onStateChange?.(true);
    }
  }

  start(): void {
    this.stopped = false;
    this.arm();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) this.deps.clock.clearTimer(this.timer);
    this.timer = null;
    await this.running;
  }

  /** A worker opened the breaker: act now rather than at the next tick. */
  poke(): void {
    if (this.running !== null) {
      this.again = true;
      return;
    }
    this.running = this.tick().finally(() => {
      this.running = null;
      if (this.again && !this.stopped) {
        this.again = false;
        this.poke();
      }
    });
  }

  private arm(): void {
    if (this.stopped) return;
    this.timer = this.deps.clock.setTimer(() => {
      this.timer = null;
      this.poke();
      this.arm();
    }, this.deps.intervalMs ?? 2_000);
  }

  private applyLimit(): void {
    this.deps.breaker.setLimit(this.limit());
  }

  /** One pass: limit, record, reset, auto-reset. Never throws (the next pass tries again). */
  async tick(): Promise<void> {
    const { breaker, store, clock, log } = this.deps;
    this.applyLimit();
    if (!this.deps.mayWrite()) return;
    let record: BreakerRecord | null;
    try {
      record = await store.read();
    } catch (error) {
      log.warn('Reading the eviction breaker record failed; trying again', { error: describeRecordError(error) });
      return;
    }
    const now = clock.now();
    const openedAt = breaker.openedAt();
    if (openedAt === null) {
      // Closed here; the record may still say open (a failover from a leader that had opened it).
      if (record?.state === 'open') {
        breaker.open(record.openedAt ?? now);
        this.recordedOpening = breaker.openedAt();
        this.deps.onStateChange?.(true);
      }
      return;
    }
    if (this.recordedOpening !== openedAt) {
      // Opened by a worker since the record was last written: persist it first, then tell.
      const held = await this.deps.held();
      const limit = breaker.limit;
      const reason = `starting one more eviction would exceed ${limit ?? '∞'} evictions in ${Math.round(breaker.windowMs / 1000)} s`;
      try {
        await store.write(
          {
            ...heldFields(held),
            state: 'open',
            openedAt,
            reason,
            resetAt: record?.resetAt ?? null,
            resetBy: record?.resetBy ?? '',
          },
          this.deps.mayWrite,
          store.resourceVersion,
        );
      } catch (error) {
        log.warn('Writing the eviction breaker record failed; trying again', { error: describeRecordError(error) });
        return;
      }
      this.recordedOpening = openedAt;
      this.heldWrittenAt = now;
      log.error('Eviction breaker OPEN: no eviction starts until an operator resets it', {
        reason,
        heldPods: held.pods,
        causes: held.causes,
        reset: `device-taint-evictor breaker reset --namespace ${store.namespace}`,
      });
      this.deps.onStateChange?.(true);
      await this.deps
        .announce(held, reason)
        .catch((error: unknown) =>
          log.warn('Recording the breaker events failed', { error: describeRecordError(error) }),
        );
      return;
    }
    const autoReset = this.deps.limits.autoResetAfterMs;
    if (record?.state === 'closed') {
      await this.release(now, record.resetBy || 'operator');
      return;
    }
    // Still open: keep the record's account of what it holds current. New due evictions queue up
    // behind it, possibly many: that is written at most every HELD_REFRESH_MS. Fewer held (a runaway
    // rule deleted, its held evictions cancelled) is written at once: an operator deciding whether to
    // reset reads it, and must not be told of evictions a reset would no longer release.
    if (record !== null) {
      const held = await this.deps.held();
      const changed = held.pods !== record.heldPods || !sameList(held.causes, record.causes);
      const fewer = held.pods < record.heldPods;
      if (changed && (fewer || now - this.heldWrittenAt >= HELD_REFRESH_MS)) {
        try {
          await store.write({ ...record, ...heldFields(held) }, this.deps.mayWrite, store.resourceVersion);
          this.heldWrittenAt = now;
        } catch (error) {
          log.warn('Writing the eviction breaker record failed; trying again', { error: describeRecordError(error) });
          return;
        }
      }
    }
    if (autoReset !== null && now - openedAt >= autoReset) {
      try {
        await store.write(
          { ...(record ?? emptyRecord), state: 'closed', resetAt: now, resetBy: AUTO_RESET },
          this.deps.mayWrite,
          store.resourceVersion,
        );
      } catch (error) {
        log.warn('Writing the eviction breaker record failed; trying again', { error: describeRecordError(error) });
        return;
      }
      await this.release(now, AUTO_RESET);
    }
  }

  private async release(now: number, by: string): Promise<void> {
    const held = await this.deps.held();
    // Only a person acknowledges what is held; the auto-reset lets it resume at the breaker's pace.
    const acknowledged = by !== AUTO_RESET;
    this.deps.breaker.reset(now, acknowledged);
    this.recordedOpening = null;
    if (acknowledged) {
      this.deps.log.warn('Eviction breaker reset: releasing the held evictions; the window counts afresh', {
        by,
        released: held.pods,
      });
    } else {
      this.deps.log.warn(
        'Eviction breaker closed by its auto-reset: the held evictions resume, counted in a fresh window, so it opens again after the limit',
        { by, held: held.pods, limit: this.deps.breaker.limit },
      );
    }
    this.deps.onStateChange?.(false);
  }
}

/** `resetBy` of a record the auto-reset closed (written by this process or by an earlier leader). */
const AUTO_RESET = 'auto-reset';

/** How often, at most, an open breaker's record is updated with what it holds. */
const HELD_REFRESH_MS = 10_000;

const sameList = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

const heldFields = (held: HeldEvictions): Pick<BreakerRecord, 'heldPods' | 'causes' | 'heldPodNames'> => ({
  heldPods: held.pods,
  causes: held.causes,
  heldPodNames: held.podNames.slice(0, MAX_HELD_POD_NAMES),
});

const emptyRecord: BreakerRecord = {
  state: 'closed',
  openedAt: null,
  reason: '',
  heldPods: 0,
  causes: [],
  heldPodNames: [],
  resetAt: null,
  resetBy: '',
};
