// Lease-based leader election against the simulated API server, with durations scaled down
// (lease 300 ms, renew deadline 200 ms, retry 50 ms) so hand-overs take well under a second.
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ApiClient, ApiError, type ApiRequest, rfc3339Micro } from '../../src/kube/apiClient.js';
import { KeepAliveApiClient } from '../../src/kube/keepAlive.js';
import { type LeaderElectionOptions, LeaseLeaderElector } from '../../src/kube/leaderElection.js';
import { silentLogger } from '../../src/shared/logger.js';
import { type SimServer, startSimServer } from '../../src/sim/server.js';

const LEASES = 'leases.coordination.k8s.io' as const;
const fast = { leaseDurationMs: 300, renewDeadlineMs: 200, retryPeriodMs: 50 };

async function waitFor(what: string, condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

interface Candidate {
  readonly elector: LeaseLeaderElector;
  started: number;
  stopped: number;
  readonly timeline: string[];
}

describe('LeaseLeaderElector', () => {
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
    const c: Candidate = { elector: undefined as unknown as LeaseLeaderElector, started: 0, stopped: 0, timeline };
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
          leaders++;
          maxLeaders = Math.max(maxLeaders, leaders);
          timeline.push(`+${identity}`);
        },
        onStoppedLeading: () => {
          c.stopped++;
          leaders--;
          timeline.push(`-${identity}`);
        },
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
  async function renewals(n: number): Promise<void> {
    const seen = new Set<string>();
    await waitFor(`${n} renewals`, () => {
      const r = lease()?.spec.renewTime;
      if (r !== undefined) seen.add(r);
      return seen.size > n;
    });
  }

  it('elects exactly one of two candidates and keeps it while it renews', async () => {
    const a = candidate('a');
    const b = candidate('b');
    a.elector.start();
    b.elector.start();
    await waitFor('a leader', () => a.elector.isLeader() || b.elector.isLeader());
    await renewals(4);
    expect([a.elector.isLeader(), b.elector.isLeader()].filter(Boolean)).toHaveLength(1);
    expect(maxLeaders).toBe(1);
    expect(a.started + b.started).toBe(1);
    const holder = a.elector.isLeader() ? 'a' : 'b';
    expect(lease()?.spec).toMatchObject({ holderIdentity: holder, leaseDurationSeconds: 1, leaseTransitions: 0 });
    expect(b.elector.observedLeader()).toBe(holder);
  });

  it('hands over to the other candidate when the leader releases the Lease', async () => {
    const a = candidate('a');
    a.elector.start();
    await waitFor('a leads', () => a.elector.isLeader());
    const b = candidate('b');
    b.elector.start();
    await renewals(2);
    expect(b.elector.isLeader()).toBe(false);

    await a.elector.release();
    expect(a.stopped).toBe(1);
    // Released, not left to expire: an empty holder lets b take over at its next retry.
    expect(lease()?.spec).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1 });
    await waitFor('b leads', () => b.elector.isLeader());
    expect(lease()?.spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    expect(timeline).toEqual(['+a', '-a', '+b']);
    expect(maxLeaders).toBe(1);
  });

  it('takes over from a leader that stopped without releasing once the lease expires', async () => {
    const a = candidate('a');
    a.elector.start();
    await waitFor('a leads', () => a.elector.isLeader());
    const b = candidate('b');
    b.elector.start();
    await renewals(1);
    await a.elector.stop(); // crashed leader: no release
    await waitFor('b leads', () => b.elector.isLeader());
    expect(timeline).toEqual(['+a', '-a', '+b']);
  });

  it('stops leading when renewals fail past the renew deadline, before anyone else can lead', async () => {
    let broken = false;
    const flaky: ApiClient = {
      request: (req: ApiRequest) =>
        broken && req.method === 'PUT'
          ? Promise.reject(new ApiError(500, 'InternalError', 'injected'))
          : api.request(req),
      close: () => Promise.resolve(),
    };
    const a = candidate('a', { api: flaky, leaseDurationMs: 400 });
    a.elector.start();
    await waitFor('a leads', () => a.elector.isLeader());
    const b = candidate('b', { leaseDurationMs: 400 });
    b.elector.start();
    await renewals(1);

    broken = true;
    await waitFor('a loses leadership', () => a.stopped === 1);
    expect(a.elector.isLeader()).toBe(false);
    await waitFor('b leads', () => b.elector.isLeader());
    // a stepped down (renew deadline) before b's lease-duration wait ran out: never two leaders.
    expect(timeline).toEqual(['+a', '-a', '+b']);
    expect(maxLeaders).toBe(1);
  });

  it('takes a long-expired Lease at the first attempt and respects a live foreign one', async () => {
    const now = Date.now();
    sim.store.create(LEASES, {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'device-taint-evictor', namespace: 'kube-system' },
      spec: {
        holderIdentity: 'dead',
        leaseDurationSeconds: 15,
        acquireTime: rfc3339Micro(now - 3_600_000),
        renewTime: rfc3339Micro(now - 3_600_000),
        leaseTransitions: 4,
      },
    });
    // Default-sized lease: only the record's own renewTime + leaseDurationSeconds can make it expire quickly.
    const a = candidate('a', { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 50 });
    a.elector.start();
    await waitFor('a leads', () => a.elector.isLeader(), 1_000);
    expect(lease()?.spec).toMatchObject({ holderIdentity: 'a', leaseTransitions: 5, leaseDurationSeconds: 15 });

    const b = candidate('b', { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 50 });
    sim.requests.reset();
    b.elector.start();
    await waitFor('b to try a few times', () => sim.requests.count({ verb: 'get', resource: 'leases' }) >= 10);
    expect(b.elector.isLeader()).toBe(false);
    expect(b.elector.observedLeader()).toBe('a');
  });

  it('rejects inconsistent timings', () => {
    expect(() => candidate('x', { leaseDurationMs: 100, renewDeadlineMs: 200 })).toThrow(RangeError);
    expect(() => candidate('y', { renewDeadlineMs: 50, retryPeriodMs: 50 })).toThrow(RangeError);
    candidates.length = 0;
  });
});
