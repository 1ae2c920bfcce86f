// LeaseLeaderElector on virtual time: a FakeClock drives every timer and a fake apiserver for one Lease
// (test/support/fakeLeaseApi.ts) serves each elector through its own client, with per-client faults.
// Default timings (lease 15 s, renew deadline 10 s, retry 2 s), so every instant asserted below is the
// exact instant client-go's arithmetic gives.

import { describe, expect, it } from 'vitest';
import { rfc3339Micro } from '../../src/kube/apiClient.js';
import type {
  LeaderElectionMetrics,
  LeaderElectionOptions,
  LeadershipEndReason,
} from '../../src/kube/leaderElection.js';
import { LeaseLeaderElector } from '../../src/kube/leaderElector.js';
import { FakeClock } from '../../src/shared/clock.js';
import { RecordingLogger } from '../../src/shared/logger.js';
import {
  type FakeLeaseClient,
  FakeLeaseServer,
  internalError,
  type Rule,
  tooManyRequests,
} from '../support/fakeLeaseApi.js';
import { advanceTo, SkewedClock, stepUntil } from '../support/virtualTime.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const LEASE_MS = 15_000;
const RENEW_DEADLINE_MS = 10_000;
const RETRY_MS = 2_000;
/** With `random: () => 0.5` a candidate retries every retry * (1 + 0.5 * 1.2). */
const CANDIDATE_RETRY_MS = RETRY_MS * 1.6;
/** The longest a candidate waits between attempts whatever the jitter draw: retry * (1 + JitterFactor). */
const MAX_CANDIDATE_RETRY_MS = RETRY_MS * 2.2;

interface Events {
  started: number[];
  stopped: { at: number; reason: LeadershipEndReason; callsSoFar: number }[];
  renewed: { at: number; validUntil: number }[];
  newLeader: string[];
  metrics: string[];
}

interface Candidate {
  readonly e: LeaseLeaderElector;
  readonly client: FakeLeaseClient;
  readonly ev: Events;
  readonly log: RecordingLogger;
}

function setup() {
  const fake = new FakeClock();
  const t0 = fake.now();
  const server = new FakeLeaseServer(fake);

  function candidate(
    identity: string,
    opts: { rule?: Rule; wallSkewMs?: number; options?: Partial<LeaderElectionOptions> } = {},
  ): Candidate {
    const client = server.client(identity, opts.rule);
    const ev: Events = { started: [], stopped: [], renewed: [], newLeader: [], metrics: [] };
    const log = new RecordingLogger();
    const metrics: LeaderElectionMetrics = {
      on: (name) => ev.metrics.push(`on:${name}`),
      off: (name) => ev.metrics.push(`off:${name}`),
      slowpathExercised: (name) => ev.metrics.push(`slowpath:${name}`),
    };
    // A skewed host: Date.now() is off. As the elector's only clock this also offsets its monotonic
    // "now" by a constant, which must not matter (and does not to client-go's arithmetic).
    const clock = opts.wallSkewMs === undefined ? fake : new SkewedClock(fake, opts.wallSkewMs);
    const e = new LeaseLeaderElector({
      api: client,
      namespace: server.namespace,
      name: server.name,
      identity,
      clock,
      random: () => 0.5,
      metrics,
      log,
      callbacks: {
        onStartedLeading: () => ev.started.push(fake.now()),
        onStoppedLeading: (reason) => ev.stopped.push({ at: fake.now(), reason, callsSoFar: server.calls.length }),
        onNewLeader: (id) => ev.newLeader.push(id),
        onRenewed: (validUntil) => ev.renewed.push({ at: fake.now(), validUntil }),
      },
      ...opts.options,
    });
    return { e, client, ev, log };
  }

  return { fake, t0, server, candidate };
}

describe('LeaseLeaderElector on virtual time', () => {
  it('a leader whose renew PUT hangs stops leading exactly at last renewal + renew deadline, aborting the PUT', async () => {
    const { fake, t0, candidate } = setup();
    let hangFrom = Number.POSITIVE_INFINITY;
    const a = candidate('a', {
      rule: (c) => (c.method === 'PUT' && c.startedAt >= hangFrom ? { hang: 'beforeCommit' } : undefined),
    });
    a.e.start();
    await advanceTo(fake, t0 + RETRY_MS); // acquired at t0, renewed at t0+2s
    expect(a.e.isLeader()).toBe(true);
    const lastRenewal = t0 + RETRY_MS;
    hangFrom = lastRenewal + 1;

    await advanceTo(fake, lastRenewal + RENEW_DEADLINE_MS - 1);
    expect(a.ev.stopped).toEqual([]);
    expect(a.e.isLeader()).toBe(true);
    await advanceTo(fake, lastRenewal + RENEW_DEADLINE_MS);
    expect(a.ev.stopped.map((s) => s.at)).toEqual([lastRenewal + RENEW_DEADLINE_MS]);
    expect(a.e.isLeader()).toBe(false);
    expect(a.ev.stopped[0]!.reason).toEqual({ kind: 'renewDeadline', lastRenewAgoMs: RENEW_DEADLINE_MS });

    // Every hung PUT was aborted by the elector (the first at its per-request timeout, the last at the
    // deadline itself), not left to the client's timeout.
    const hung = a.client.calls('PUT').filter((c) => c.startedAt >= hangFrom);
    expect(hung.length).toBeGreaterThan(0);
    expect(hung.every((c) => c.hasSignal && c.outcome === 'aborted')).toBe(true);
    expect(hung.at(-1)!.settledAt).toBe(lastRenewal + RENEW_DEADLINE_MS);
    // The write permission it had been given ended at the same instant.
    expect(a.ev.renewed.at(-1)!.validUntil).toBe(lastRenewal + RENEW_DEADLINE_MS);

    // No re-election: the elector is done, even though the Lease expires and nobody else holds it.
    const callsAtEnd = a.client.calls().length;
    a.e.start();
    await advanceTo(fake, fake.now() + 5 * 60_000);
    expect(a.client.calls().length).toBe(callsAtEnd);
    expect(a.ev.started).toHaveLength(1);
    expect(a.ev.stopped).toHaveLength(1);
  });

  it('a leader whose GETs are slow but succeed keeps leading, even when every renewal needs the slow path', async () => {
    const { fake, t0, server, candidate } = setup();
    const a = candidate('a', { rule: (c) => (c.method === 'GET' ? { delayMs: 3_000 } : undefined) });
    // Another controller touches the Lease's labels after each of a's writes: a's optimistic PUT then
    // conflicts (409) every round and a has to GET (3 s) and PUT again within the same round.
    server.afterCommit = (c) => {
      if (c.client === 'a') server.touchMetadata();
    };
    const b = candidate('b');
    a.e.start();
    await advanceTo(fake, t0 + 4_000);
    expect(a.ev.started).toEqual([t0 + 3_000]); // once its first attempt (GET 3 s, POST) answered
    b.e.start();
    await advanceTo(fake, t0 + 5 * 60_000);

    expect(a.ev.stopped).toEqual([]);
    expect(a.e.isLeader()).toBe(true);
    expect(b.ev.started).toEqual([]);
    expect(b.client.calls('PUT')).toEqual([]);
    const aPuts = a.client.calls('PUT');
    expect(aPuts.filter((c) => c.status === 409).length).toBeGreaterThan(50);
    const writes = server.writes.filter((w) => w.by === 'a').map((w) => w.at);
    expect(writes.length).toBeGreaterThan(50);
    for (let i = 1; i < writes.length; i++) expect(writes[i]! - writes[i - 1]!).toBeLessThan(RENEW_DEADLINE_MS);
    expect(a.ev.metrics.filter((m) => m === 'slowpath:device-taint-evictor').length).toBe(writes.length - 1);
    // The write permission counts from each attempt's start, not from its slow answer.
    expect(a.ev.renewed[0]).toEqual({ at: t0 + 3_000, validUntil: t0 + RENEW_DEADLINE_MS });
    expect(a.ev.renewed[1]).toEqual({ at: t0 + 8_000, validUntil: t0 + 5_000 + RENEW_DEADLINE_MS });
  });

  it('reports write permissions of exactly successful-attempt start + renew deadline, never moving backwards', async () => {
    const { fake, t0, candidate } = setup();
    const at = (c: { startedAt: number }) => c.startedAt - t0;
    let putsAt4s = 0;
    const rule: Rule = (c) => {
      if (c.method !== 'PUT') return undefined;
      if (at(c) === 4_000 && putsAt4s++ === 0) return { error: internalError() }; // optimistic PUT fails, slow path works
      if (at(c) === 6_000) return { error: internalError() }; // the whole attempt fails: retried 2 s later
      if (at(c) === 10_000) return { error: tooManyRequests(3) }; // the whole attempt fails: retried after 3 s
      if (at(c) === 15_000) return { delayMs: 1_500 }; // slow but successful
      return undefined;
    };
    const a = candidate('a', { rule });
    a.e.start();
    await advanceTo(fake, t0 + 21_000);

    const successfulAttemptStarts = [0, 2_000, 4_000, 8_000, 13_000, 15_000, 18_500, 20_500];
    expect(a.ev.renewed.map((r) => r.validUntil - t0)).toEqual(
      successfulAttemptStarts.map((s) => s + RENEW_DEADLINE_MS),
    );
    expect(a.ev.renewed[5]!.at - t0).toBe(16_500); // the slow renewal: measured from its start, not its answer
    for (let i = 1; i < a.ev.renewed.length; i++)
      expect(a.ev.renewed[i]!.validUntil).toBeGreaterThan(a.ev.renewed[i - 1]!.validUntil);
    for (const r of a.ev.renewed) expect(r.at).toBeLessThan(r.validUntil);
    expect(a.e.validUntilMono()).toBe(a.ev.renewed.at(-1)!.validUntil);
    // onRenewed for the acquiring attempt came before onStartedLeading, at the same instant.
    expect(a.ev.started).toEqual([t0]);
    expect(a.ev.renewed[0]!.at).toBe(t0);
    expect(a.ev.stopped).toEqual([]);
    // 4 s (optimistic PUT failed), 6 s, 10 s: renewals of our own record that needed a GET.
    expect(a.ev.metrics.filter((m) => m.startsWith('slowpath:'))).toHaveLength(3);
  });

  it.each([
    { who: 'candidate', skewMs: HOUR },
    { who: 'candidate', skewMs: -HOUR },
    { who: 'leader', skewMs: HOUR },
    { who: 'leader', skewMs: -HOUR },
  ] as const)('a $who whose wall clock is off by $skewMs ms changes nothing', async ({ who, skewMs }) => {
    const { fake, t0, server, candidate } = setup();
    const a = candidate('a', who === 'leader' ? { wallSkewMs: skewMs } : {});
    const b = candidate('b', who === 'candidate' ? { wallSkewMs: skewMs } : {});
    a.e.start();
    await advanceTo(fake, t0 + 1_000);
    expect(a.e.isLeader()).toBe(true);
    b.e.start();

    // Not early: a live leader keeps its Lease however far its renewTime is from b's wall clock.
    await advanceTo(fake, t0 + 2 * 60_000);
    expect(b.ev.started).toEqual([]);
    expect(b.client.calls('PUT')).toEqual([]);
    expect(b.e.observedLeader()).toBe('a');
    expect(a.ev.stopped).toEqual([]);

    // Not late: a dies; b takes over once a lease duration has passed since it saw the last change.
    await a.e.stop();
    const lastWrite = server.writes.filter((w) => w.by === 'a').at(-1)!.at;
    const tookOver = await stepUntil(fake, () => b.ev.started.length > 0, t0 + 10 * 60_000, 'b leading');
    // b's first look at the last change (its GETs answer at once).
    const observed = b.client.calls('GET').find((c) => c.startedAt >= lastWrite)!.startedAt;
    expect(tookOver).toBeGreaterThanOrEqual(observed + LEASE_MS);
    expect(tookOver).toBeLessThanOrEqual(observed + LEASE_MS + MAX_CANDIDATE_RETRY_MS);
    // The wall clock only stamps what it writes.
    const bSkew = who === 'candidate' ? skewMs : 0;
    expect(server.spec()).toMatchObject({
      holderIdentity: 'b',
      acquireTime: rfc3339Micro(tookOver + bSkew),
      leaseTransitions: 1,
    });
  });

  it('never takes a Lease whose renewTime is in the distant past while it keeps changing, and takes it a lease duration after it stops', async () => {
    const { fake, t0, server, candidate } = setup();
    const ancient = t0 - 10 * DAY;
    server.writeSpec({
      holderIdentity: 'ghost',
      leaseDurationSeconds: 15,
      acquireTime: rfc3339Micro(ancient),
      renewTime: rfc3339Micro(ancient),
      leaseTransitions: 7,
    });
    // A holder with a wildly wrong clock renews every 5 s: renewTime moves, always 10 days in the past.
    let renewing = true;
    const renew = (): void => {
      if (!renewing) return;
      server.writeSpec({ renewTime: rfc3339Micro(ancient + (fake.now() - t0)) }, 'ghost');
      fake.setTimer(renew, 5_000);
    };
    fake.setTimer(renew, 5_000);
    const b = candidate('b');
    b.e.start();

    await advanceTo(fake, t0 + 5 * 60_000);
    expect(b.ev.started).toEqual([]);
    expect(b.client.calls('PUT')).toEqual([]);
    expect(b.client.calls('POST')).toEqual([]);
    expect(b.e.observedLeader()).toBe('ghost');

    renewing = false;
    const lastWrite = server.writes.at(-1)!.at;
    const tookOver = await stepUntil(fake, () => b.ev.started.length > 0, t0 + 10 * 60_000, 'b leading');
    // b's first look at the last change (its GETs answer at once).
    const observed = b.client.calls('GET').find((c) => c.startedAt >= lastWrite)!.startedAt;
    expect(tookOver).toBeGreaterThanOrEqual(observed + LEASE_MS);
    expect(tookOver).toBeLessThanOrEqual(observed + LEASE_MS + MAX_CANDIDATE_RETRY_MS);
    expect(server.spec()).toMatchObject({ holderIdentity: 'b', leaseTransitions: 8 });
  });

  it('a freshly started candidate waits a whole lease duration before taking a long-abandoned Lease', async () => {
    const { fake, t0, server, candidate } = setup();
    server.writeSpec({
      holderIdentity: 'dead',
      leaseDurationSeconds: 15,
      acquireTime: rfc3339Micro(t0 - HOUR),
      renewTime: rfc3339Micro(t0 - HOUR),
      leaseTransitions: 4,
    });
    const b = candidate('b');
    b.e.start();
    await advanceTo(fake, t0 + LEASE_MS - 1);
    expect(b.ev.started).toEqual([]);
    const tookOver = await stepUntil(fake, () => b.ev.started.length > 0, t0 + 60_000, 'b leading');
    expect(tookOver).toBeGreaterThanOrEqual(t0 + LEASE_MS);
    expect(tookOver).toBeLessThanOrEqual(t0 + LEASE_MS + MAX_CANDIDATE_RETRY_MS);
    expect(server.spec()).toMatchObject({ holderIdentity: 'b', leaseTransitions: 5, leaseDurationSeconds: 15 });
  });

  it('ends the term at once, exactly once and for good, when another holder appears on the Lease', async () => {
    const { fake, t0, server, candidate } = setup();
    const a = candidate('a');
    a.e.start();
    await advanceTo(fake, t0 + 3_000);
    server.writeSpec({ holderIdentity: 'intruder', renewTime: rfc3339Micro(fake.now()), leaseDurationSeconds: 15 });
    await advanceTo(fake, t0 + 4_000); // a's next renewal: optimistic PUT conflicts, GET shows the intruder
    expect(a.ev.stopped.map((s) => s.at)).toEqual([t0 + 4_000]);
    expect(a.e.isLeader()).toBe(false);
    expect(a.e.observedLeader()).toBe('intruder');

    // The intruder never renews; its Lease expires; a stays out.
    const calls = a.client.calls().length;
    a.e.start();
    await advanceTo(fake, t0 + 10 * 60_000);
    expect(a.ev.started).toHaveLength(1);
    expect(a.ev.stopped).toHaveLength(1);
    expect(a.client.calls().length).toBe(calls);
    expect(server.spec()?.holderIdentity).toBe('intruder');

    expect(a.ev.stopped[0]!.reason).toEqual({ kind: 'takenOver', holder: 'intruder' });
    expect(a.ev.newLeader).toEqual(['a', 'intruder']);
    expect(a.ev.metrics).toEqual(['off:device-taint-evictor', 'on:device-taint-evictor', 'off:device-taint-evictor']);
    const logged = a.log.lines.map((l) => l.msg);
    expect(logged.filter((m) => m === 'became leader')).toHaveLength(1);
    expect(logged.filter((m) => m.startsWith('stopped leading'))).toEqual([
      'stopped leading: the lease is held by intruder',
    ]);
  });

  it('treats an emptied holder as losing the Lease', async () => {
    const { fake, t0, server, candidate } = setup();
    const a = candidate('a');
    a.e.start();
    await advanceTo(fake, t0 + 3_000);
    server.writeSpec({ holderIdentity: '', leaseDurationSeconds: 1 });
    await advanceTo(fake, t0 + 4_000);
    expect(a.ev.stopped.map((s) => s.reason)).toEqual([{ kind: 'takenOver', holder: '' }]);
  });

  it('ends the term with an API error when the Lease is deleted, and does not re-create it', async () => {
    const { fake, t0, server, candidate } = setup();
    const a = candidate('a');
    a.e.start();
    await advanceTo(fake, t0 + 3_000);
    server.remove();
    await advanceTo(fake, t0 + 60_000);
    expect(a.ev.stopped).toHaveLength(1);
    expect(a.ev.stopped[0]!.at).toBe(t0 + 4_000);
    expect(a.ev.stopped[0]!.reason.kind).toBe('apiError');
    expect(a.client.calls('POST')).toHaveLength(1); // only the initial create
    expect(server.spec()).toBeUndefined();
  });

  it('ends the term at the renew deadline when every renewal fails fast, logging why once', async () => {
    const { fake, t0, candidate } = setup();
    let failing = false;
    const a = candidate('a', { rule: () => (failing ? { error: internalError() } : undefined) });
    a.e.start();
    await advanceTo(fake, t0 + 3_000); // renewed at t0+2s
    failing = true;
    await advanceTo(fake, t0 + 2_000 + RENEW_DEADLINE_MS - 1);
    expect(a.e.isLeader()).toBe(true);
    expect(a.ev.stopped).toEqual([]);
    await advanceTo(fake, t0 + 2_000 + RENEW_DEADLINE_MS);
    expect(a.ev.stopped.map((s) => s.at)).toEqual([t0 + 12_000]);
    expect(a.ev.stopped[0]!.reason).toEqual({ kind: 'renewDeadline', lastRenewAgoMs: RENEW_DEADLINE_MS });
    // Retried every retry period within the round (optimistic PUT, then the GET fails too).
    expect(
      a.client
        .calls('PUT')
        .filter((c) => c.status === 500)
        .map((c) => (c.startedAt - t0) / 1000),
    ).toEqual([4, 6, 8, 10]);
    const stops = a.log.lines.filter((l) => l.msg.startsWith('stopped leading'));
    expect(stops).toHaveLength(1);
    expect(stops[0]!.level).toBe('warn');
    expect(stops[0]!.msg).toContain('renew deadline');

    // Lost, not leading: release() writes nothing.
    failing = false;
    const calls = a.client.calls().length;
    await a.e.release();
    expect(a.client.calls().length).toBe(calls);
    expect(a.ev.stopped).toHaveLength(1);
  });

  it('keeps leading when a renewal committed but its answer was lost: the 409 sends it down the slow path', async () => {
    const { fake, t0, server, candidate } = setup();
    let lose = false;
    const a = candidate('a', {
      rule: (c) => {
        if (!lose || c.method !== 'PUT') return undefined;
        lose = false;
        return { hang: 'afterCommit' };
      },
    });
    a.e.start();
    await advanceTo(fake, t0 + 3_000);
    lose = true;
    await advanceTo(fake, t0 + 60_000);
    expect(a.ev.stopped).toEqual([]);
    const [lost, retried] = a.client.calls('PUT').filter((c) => c.startedAt >= t0 + 4_000);
    // The optimistic PUT committed and hung until the per-request timeout (renewDeadline/2); the slow
    // path's GET then shows our own newer record and its resourceVersion, and the PUT goes through.
    expect(lost).toMatchObject({ committed: true, outcome: 'aborted', settledAt: t0 + 4_000 + RENEW_DEADLINE_MS / 2 });
    expect(retried).toMatchObject({ outcome: 'ok', startedAt: t0 + 4_000 + RENEW_DEADLINE_MS / 2 });
    expect(a.ev.metrics.filter((m) => m.startsWith('slowpath:'))).toHaveLength(1);
    expect(a.ev.renewed.map((r) => r.validUntil - t0)).toContain(4_000 + RENEW_DEADLINE_MS);
    expect(server.spec()?.holderIdentity).toBe('a');
  });

  it('release() writes the empty holder with leaseDurationSeconds 1, only when leading, after onStoppedLeading', async () => {
    const { fake, t0, server, candidate } = setup();
    const a = candidate('a');
    const b = candidate('b');
    a.e.start();
    await advanceTo(fake, t0 + 1_000);
    b.e.start();
    await advanceTo(fake, t0 + 30_000);

    await b.e.release(); // not leading: no write (and b stops campaigning, like stop())
    expect(b.client.calls('PUT')).toEqual([]);
    expect(b.ev.stopped).toEqual([]);

    const c = candidate('c');
    c.e.start();
    await advanceTo(fake, t0 + 31_000);
    const rv = server.resourceVersion();
    const transitions = server.spec()?.leaseTransitions;
    await a.e.release();
    expect(server.resourceVersion()).not.toBe(rv);
    expect(server.spec()).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1, leaseTransitions: transitions });
    expect(a.e.observedLeader()).toBe('');
    const releasePut = a.client.calls('PUT').at(-1)!;
    expect(releasePut.outcome).toBe('ok');
    expect(a.ev.stopped).toHaveLength(1);
    expect(releasePut.seq).toBeGreaterThanOrEqual(a.ev.stopped[0]!.callsSoFar); // fence closed before the write
    expect(a.ev.stopped[0]!.reason).toEqual({ kind: 'stopped' });

    // Released, not left to expire: one of the others takes it at its next attempt.
    const released = fake.now();
    const tookOver = await stepUntil(
      fake,
      () => c.ev.started.length > 0,
      released + MAX_CANDIDATE_RETRY_MS,
      'c leading',
    );
    expect(tookOver - released).toBeLessThanOrEqual(CANDIDATE_RETRY_MS);
    expect(server.spec()).toMatchObject({ holderIdentity: 'c', leaseTransitions: transitions! + 1 });
    expect(b.ev.started).toEqual([]);
  });

  it('stop() ends the term once with reason stopped and leaves the Lease to expire', async () => {
    const { fake, t0, server, candidate } = setup();
    const a = candidate('a');
    a.e.start();
    await advanceTo(fake, t0 + 3_000);
    await a.e.stop();
    await a.e.stop();
    expect(a.e.isLeader()).toBe(false);
    expect(server.spec()?.holderIdentity).toBe('a');
    expect(a.ev.stopped).toHaveLength(1);
    expect(a.ev.stopped[0]!.reason).toEqual({ kind: 'stopped' });
  });

  it('a leader whose event loop stalled past its permission stops without sending anything', async () => {
    const { fake, t0, candidate } = setup();
    let stalledMs = 0;
    // The monotonic clock runs on while no timer fires (a blocked event loop, a SIGSTOP).
    const a = candidate('a', { options: { monotonicNow: () => fake.now() + stalledMs } });
    a.e.start();
    await advanceTo(fake, t0 + 3_000); // renewed at t0+2s: permission until t0+12s
    expect(a.e.isLeader()).toBe(true);
    const calls = a.client.calls().length;
    stalledMs = 20_000;
    expect(a.e.isLeader()).toBe(false); // before any timer ran
    await advanceTo(fake, t0 + 4_000); // the overdue renewal timer runs first
    expect(a.ev.stopped.map((s) => s.at)).toEqual([t0 + 4_000]);
    expect(a.ev.stopped[0]!.reason).toEqual({ kind: 'renewDeadline', lastRenewAgoMs: 22_000 });
    expect(a.client.calls().length).toBe(calls);
  });

  it('stop() during an acquire attempt aborts its request and calls no callback', async () => {
    const { fake, t0, candidate } = setup();
    const a = candidate('a', { rule: () => ({ hang: 'beforeCommit' }) });
    a.e.start();
    await advanceTo(fake, t0 + 1_000);
    const [get] = a.client.calls();
    expect(get).toMatchObject({ method: 'GET', outcome: 'pending' });
    await a.e.stop();
    expect(get!.outcome).toBe('aborted');
    await advanceTo(fake, t0 + 60_000);
    expect(a.client.calls()).toHaveLength(1);
    expect(a.ev.started).toEqual([]);
    expect(a.ev.stopped).toEqual([]);
  });

  it('a throwing callback is logged and does not break the elector', async () => {
    const { fake, t0, candidate } = setup();
    const a = candidate('a', {
      options: {
        callbacks: {
          onStartedLeading: () => {
            throw new Error('boom');
          },
          onStoppedLeading: () => {},
          onRenewed: () => {
            throw new Error('bang');
          },
        },
      },
    });
    a.e.start();
    await advanceTo(fake, t0 + 30_000);
    expect(a.e.isLeader()).toBe(true);
    const errors = a.log.lines.filter((l) => l.level === 'error').map((l) => l.msg);
    expect(errors).toContain('leader election callback onStartedLeading threw');
    expect(errors.filter((m) => m === 'leader election callback onRenewed threw').length).toBeGreaterThan(10);
  });

  it('a candidate retries every retryPeriod with JitterFactor 1.2 jitter and honours Retry-After', async () => {
    const { fake, t0, candidate } = setup();
    const a = candidate('a');
    a.e.start();
    await advanceTo(fake, t0 + 1_000);
    let throttle = false;
    const b = candidate('b', {
      rule: (c) => {
        if (!throttle || c.method !== 'GET') return undefined;
        throttle = false;
        return { error: tooManyRequests(10) };
      },
    });
    b.e.start();
    await advanceTo(fake, t0 + 1_000 + 3 * CANDIDATE_RETRY_MS);
    const gaps = (xs: number[]) => xs.slice(1).map((x, i) => x - xs[i]!);
    expect(gaps(b.client.calls('GET').map((c) => c.startedAt))).toEqual([
      CANDIDATE_RETRY_MS,
      CANDIDATE_RETRY_MS,
      CANDIDATE_RETRY_MS,
    ]);
    throttle = true;
    await advanceTo(fake, fake.now() + 30_000);
    const times = b.client.calls('GET').map((c) => c.startedAt);
    const throttled = times[4]!;
    expect(times[5]! - throttled).toBe(10_000);
  });

  it('validates timings like client-go', () => {
    const { candidate } = setup();
    const t = (o: Partial<LeaderElectionOptions>) => () => candidate('x', { options: o });
    expect(t({ leaseDurationMs: 10_000, renewDeadlineMs: 10_000 })).toThrow(
      /leaseDuration must be greater than renewDeadline/,
    );
    expect(t({ renewDeadlineMs: 2_400, retryPeriodMs: 2_000 })).toThrow(/retryPeriod\*JitterFactor/);
    expect(t({ retryPeriodMs: 0 })).toThrow(RangeError);
    expect(t({ renewDeadlineMs: -1 })).toThrow(RangeError);
    expect(t({ identity: '' })).toThrow(RangeError);
    expect(t({ renewDeadlineMs: 2_401, retryPeriodMs: 2_000 })).not.toThrow();
  });
});
