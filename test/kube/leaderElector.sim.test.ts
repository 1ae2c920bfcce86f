// Lease-based leader election against the simulated API server over real HTTP, with durations scaled
// down (lease 600 ms, renew deadline 400 ms, retry 100 ms) so hand-overs take about a second. The
// leaseDurationSeconds written is rounded up to 1 s, so candidates wait a second of unchanged record.
// Every elector runs on the real monotonic clock (monotonicNowMs), the one the write fence uses.
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ApiClient, ApiError, type ApiRequest, type ApiResponse, rfc3339Micro } from '../../src/kube/apiClient.js';
import { KeepAliveApiClient } from '../../src/kube/keepAlive.js';
import type { LeaderElectionOptions, LeadershipEndReason } from '../../src/kube/leaderElection.js';
import { LeaseLeaderElector } from '../../src/kube/leaderElector.js';

import { silentLogger } from '../../src/shared/logger.js';
import { monotonicNowMs } from '../../src/shared/writeFence.js';
import { type SimServer, startSimServer } from '../../src/sim/server.js';
import { waitFor } from '../support/waitFor.js';

const LEASES = 'leases.coordination.k8s.io' as const;
const fast = { leaseDurationMs: 600, renewDeadlineMs: 400, retryPeriodMs: 100 };
/** What the electors write for a 600 ms lease: whole seconds, rounded up. */
const RECORD_LEASE_MS = 1_000;

/**
 * Wraps the shared client for one elector: `stalled` makes its requests hang (never reach the server)
 * until the elector aborts them or their timeout passes; `delayMs` slows them; `onResponse` sees answers.
 */
class ControlledClient implements ApiClient {
  stalled = false;
  delayMs = 0;
  readonly hung: { aborted: boolean; settled: boolean }[] = [];
  onResponse: ((req: ApiRequest, res: ApiResponse) => void) | undefined;

  constructor(private readonly inner: ApiClient) {}

  async request(req: ApiRequest): Promise<ApiResponse> {
    const signal = req.signal;
    if (this.stalled) {
      const entry = { aborted: false, settled: false };
      this.hung.push(entry);
      return new Promise<ApiResponse>((_, reject) => {
        const timer = setTimeout(() => {
          entry.settled = true;
          reject(new ApiError(0, 'TimeoutError', 'timed out'));
        }, req.timeoutMs ?? 30_000);
        signal?.addEventListener(
          'abort',
          () => {
            clearTimeout(timer);
            entry.aborted = true;
            entry.settled = true;
            reject(new ApiError(0, 'AbortError', 'aborted'));
          },
          { once: true },
        );
      });
    }
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    const res = await this.inner.request(req);
    this.onResponse?.(req, res);
    return res;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

interface Candidate {
  readonly elector: LeaseLeaderElector;
  started: number;
  stopped: number;
  /** Monotonic time of onStartedLeading. */
  startedAt: number;
  stoppedAt: number;
  reasons: LeadershipEndReason[];
  /** Every onRenewed deadline, in order. */
  renewals: number[];
}

describe('LeaseLeaderElector against the simulated API server', () => {
  let sim: SimServer;
  let api: KeepAliveApiClient;
  const candidates: Candidate[] = [];
  /** Every leadership change of every candidate, in order, to check that two never lead at once. */
  const timeline: string[] = [];
  let leaders = 0;
  let maxLeaders = 0;

  beforeEach(async () => {
    sim = await startSimServer({ port: 0 });
    const kc = new KubeConfig();
    kc.loadFromString(sim.kubeconfigYaml());
    api = await KeepAliveApiClient.fromKubeConfig(kc);
    timeline.length = 0;
    leaders = 0;
    maxLeaders = 0;
  });
  afterEach(async () => {
    for (const c of candidates.splice(0)) await c.elector.stop();
    await api.close();
    await sim.close();
  });

  function candidate(identity: string, overrides: Partial<LeaderElectionOptions> = {}): Candidate {
    const c: Candidate = {
      elector: undefined as unknown as LeaseLeaderElector,
      started: 0,
      stopped: 0,
      startedAt: Number.NaN,
      stoppedAt: Number.NaN,
      reasons: [],
      renewals: [],
    };
    const elector = new LeaseLeaderElector({
      api,
      namespace: 'kube-system',
      name: 'device-taint-evictor',
      identity,
      log: silentLogger,
      ...fast,
      callbacks: {
        onStartedLeading: () => {
          c.started++;
          c.startedAt = monotonicNowMs();
          leaders++;
          maxLeaders = Math.max(maxLeaders, leaders);
          timeline.push(`+${identity}`);
        },
        onStoppedLeading: (reason) => {
          c.stopped++;
          c.stoppedAt = monotonicNowMs();
          c.reasons.push(reason);
          leaders--;
          timeline.push(`-${identity}`);
        },
        onRenewed: (validUntil) => c.renewals.push(validUntil),
      },
      ...overrides,
    });
    Object.assign(c, { elector });
    candidates.push(c);
    return c;
  }

  const lease = () =>
    sim.store.get(LEASES, 'kube-system', 'device-taint-evictor') as
      | { spec: { holderIdentity: string; leaseDurationSeconds: number; leaseTransitions: number; renewTime: string } }
      | undefined;

  /** Waits until the current holder has renewed the Lease `n` more times. */
  async function renewals(n: number, timeoutMs = 5_000): Promise<void> {
    const seen = new Set<string>();
    await waitFor(
      () => {
        const r = lease()?.spec.renewTime;
        if (r !== undefined) seen.add(r);
        return seen.size > n;
      },
      timeoutMs,
      () => `${n} renewals`,
    );
  }

  it('elects exactly one of two candidates and keeps it while it renews', async () => {
    // Roomy timings: keeping the lease is the point here, and a busy machine can stall the event loop
    // past the fast timings' 400 ms renew deadline (then a handover is correct, not a bug).
    const steady = { leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 200 };
    const a = candidate('a', steady);
    const b = candidate('b', steady);
    a.elector.start();
    b.elector.start();
    await waitFor(() => a.elector.isLeader() || b.elector.isLeader());
    await renewals(4);
    expect([a.elector.isLeader(), b.elector.isLeader()].filter(Boolean)).toHaveLength(1);
    expect(maxLeaders).toBe(1);
    expect(a.started + b.started).toBe(1);
    const holder = a.elector.isLeader() ? 'a' : 'b';
    expect(lease()?.spec).toMatchObject({ holderIdentity: holder, leaseDurationSeconds: 3, leaseTransitions: 0 });
    expect((holder === 'a' ? b : a).elector.observedLeader()).toBe(holder);
  });

  it('hands over to the other candidate when the leader releases the Lease', async () => {
    const a = candidate('a');
    a.elector.start();
    await waitFor(() => a.elector.isLeader());
    const b = candidate('b');
    b.elector.start();
    await renewals(2);
    expect(b.elector.isLeader()).toBe(false);

    const released = monotonicNowMs();
    await a.elector.release();
    expect(a.reasons).toEqual([{ kind: 'stopped' }]);
    // Released, not left to expire: an empty holder lets b take over at its next retry.
    expect(lease()?.spec).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1 });
    await waitFor(() => b.elector.isLeader());
    expect(b.startedAt - released).toBeLessThan(RECORD_LEASE_MS);
    expect(lease()?.spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    expect(timeline).toEqual(['+a', '-a', '+b']);
    expect(maxLeaders).toBe(1);
  });

  it('takes over from a leader that stopped without releasing once the lease expires', async () => {
    const a = candidate('a');
    a.elector.start();
    await waitFor(() => a.elector.isLeader());
    const b = candidate('b');
    b.elector.start();
    await renewals(1);
    await a.elector.stop(); // crashed leader: no release
    await waitFor(() => b.elector.isLeader());
    expect(timeline).toEqual(['+a', '-a', '+b']);
    expect(a.renewals.at(-1)!).toBeLessThanOrEqual(b.startedAt);
  });

  it('a stalled leader stops at its renew deadline; the other takes over only a lease duration after it last saw a change; write windows never overlap', async () => {
    const aClient = new ControlledClient(api);
    const bClient = new ControlledClient(api);
    /** b's own record of when the Lease spec it was served last changed (before b leads). */
    let bLastSpec = '';
    let bLastChangeAt = Number.NaN;
    bClient.onResponse = (req, res) => {
      if (req.method !== 'GET') return;
      const spec = JSON.stringify((res.body as { spec?: unknown }).spec);
      if (spec !== bLastSpec) {
        bLastSpec = spec;
        bLastChangeAt = monotonicNowMs();
      }
    };
    const a = candidate('a', { api: aClient });
    a.elector.start();
    await waitFor(() => a.elector.isLeader());
    const b = candidate('b', { api: bClient });
    b.elector.start();
    await renewals(3);
    await waitFor(() => b.elector.observedLeader() === 'a');

    aClient.stalled = true; // a's lease traffic hangs from now on
    await waitFor(
      () => a.stopped === 1,
      3_000,
      () => 'a to stop leading',
    );
    // The hung renewals were aborted by a's elector at its deadline, not left to their timeout.
    expect(aClient.hung.length).toBeGreaterThan(0);
    expect(aClient.hung.every((h) => h.aborted)).toBe(true);
    expect(a.reasons).toEqual([{ kind: 'renewDeadline', lastRenewAgoMs: expect.any(Number) }]);
    const aValidUntil = a.renewals.at(-1)!;
    // Stopped when its write permission ran out (plus timer latency on a busy machine; the exact
    // instant is asserted on virtual time), not a lease duration later.
    expect(a.stoppedAt).toBeGreaterThanOrEqual(aValidUntil);
    expect(a.stoppedAt - aValidUntil).toBeLessThan(fast.renewDeadlineMs / 2);
    expect(a.elector.isLeader()).toBe(false);

    await waitFor(
      () => b.elector.isLeader(),
      5_000,
      () => 'b to lead',
    );
    // b waited the record's lease duration after the last change it was served ...
    expect(b.startedAt - bLastChangeAt).toBeGreaterThanOrEqual(RECORD_LEASE_MS);
    // ... and not much longer (one jittered retry period, plus slack for a busy machine).
    expect(b.startedAt - bLastChangeAt).toBeLessThan(RECORD_LEASE_MS + 2.2 * fast.retryPeriodMs + 500);
    // The old leader's last write permission ended before the new leader started.
    expect(aValidUntil).toBeLessThanOrEqual(b.startedAt);
    expect(b.renewals[0]!).toBeGreaterThan(b.startedAt);
    expect(timeline).toEqual(['+a', '-a', '+b']);
    expect(maxLeaders).toBe(1);
    expect(lease()?.spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
  });

  it('a leader whose lease traffic is slow but within the renew deadline keeps leading', async () => {
    // Timings with room for a busy machine: 250 ms per request against a 2 s renew deadline.
    const roomy = { leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 300 };
    const aClient = new ControlledClient(api);
    const a = candidate('a', { api: aClient, ...roomy });
    a.elector.start();
    await waitFor(() => a.elector.isLeader());
    const b = candidate('b', roomy);
    b.elector.start();
    aClient.delayMs = 250;
    await renewals(6, 15_000);
    expect(a.elector.isLeader()).toBe(true);
    expect(a.stopped).toBe(0);
    expect(b.started).toBe(0);
    for (let i = 1; i < a.renewals.length; i++) expect(a.renewals[i]!).toBeGreaterThanOrEqual(a.renewals[i - 1]!);
  });

  it('stops leading when renewals fail past the renew deadline, before anyone else can lead', async () => {
    let broken = false;
    const flaky: ApiClient = {
      request: (req: ApiRequest) =>
        broken && req.method !== 'GET'
          ? Promise.reject(new ApiError(500, 'InternalError', 'injected'))
          : api.request(req),
      close: () => Promise.resolve(),
    };
    const a = candidate('a', { api: flaky });
    a.elector.start();
    await waitFor(() => a.elector.isLeader());
    const b = candidate('b');
    b.elector.start();
    await renewals(1);

    broken = true;
    await waitFor(
      () => a.stopped === 1,
      3_000,
      () => 'a to lose leadership',
    );
    expect(a.elector.isLeader()).toBe(false);
    expect(a.reasons[0]?.kind).toBe('renewDeadline');
    await waitFor(() => b.elector.isLeader());
    // a stepped down (renew deadline) before b's lease-duration wait ran out: never two leaders.
    expect(timeline).toEqual(['+a', '-a', '+b']);
    expect(maxLeaders).toBe(1);
    expect(a.renewals.at(-1)!).toBeLessThanOrEqual(b.startedAt);
  });

  it('waits a lease duration of unchanged record before taking a long-expired Lease, and respects a live one', async () => {
    const now = Date.now();
    sim.store.create(LEASES, {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'device-taint-evictor', namespace: 'kube-system' },
      spec: {
        holderIdentity: 'dead',
        leaseDurationSeconds: 1,
        acquireTime: rfc3339Micro(now - 3_600_000),
        renewTime: rfc3339Micro(now - 3_600_000),
        leaseTransitions: 4,
      },
    });
    // renewTime is an hour old, but this candidate has not seen the record unchanged for a lease duration.
    const a = candidate('a');
    const startedAt = monotonicNowMs();
    a.elector.start();
    await waitFor(() => a.elector.isLeader(), 3_000);
    expect(a.startedAt - startedAt).toBeGreaterThanOrEqual(RECORD_LEASE_MS);
    expect(lease()?.spec).toMatchObject({ holderIdentity: 'a', leaseTransitions: 5, leaseDurationSeconds: 1 });

    const b = candidate('b');
    sim.requests.reset();
    b.elector.start();
    await waitFor(() => sim.requests.count({ verb: 'get', resource: 'leases' }) >= 10);
    expect(b.elector.isLeader()).toBe(false);
    expect(b.elector.observedLeader()).toBe('a');
  });

  it('rejects inconsistent timings', () => {
    expect(() => candidate('x', { leaseDurationMs: 100, renewDeadlineMs: 200 })).toThrow(RangeError);
    expect(() => candidate('y', { renewDeadlineMs: 120, retryPeriodMs: 100 })).toThrow(RangeError);
    candidates.length = 0;
  });
});
