// One attempt against the Lease (client-go's tryAcquireOrRenew / tryRelease): create when absent, respect
// a live foreign holder, take over an expired one (expiry judged from when *we* saw the record change),
// renew optimistically without a GET, fall back to GET + PUT (counted as the slow path), end a term
// seen taken over or deleted, and release only a record that still names us.

import { describe, expect, it } from 'vitest';
import { LeaseLock } from '../../src/kube/leaderLeaseLock.js';
import { LeaseAttempts, type Outcome } from '../../src/kube/leaseAttempts.js';
import { FakeClock } from '../../src/shared/clock.js';
import { silentLogger } from '../../src/shared/logger.js';
import { FakeLeaseServer } from '../support/fakeLeaseApi.js';

function candidate(server: FakeLeaseServer, identity: string) {
  const slowpaths: string[] = [];
  const lock = new LeaseLock(server.namespace, server.name);
  const attempts = new LeaseAttempts({
    identity,
    lock,
    recordSeconds: 15,
    mono: () => server.clock.now(),
    wall: () => server.clock.now(),
    log: silentLogger,
    metrics: { on() {}, off() {}, slowpathExercised: (name) => slowpaths.push(name) },
    fields: (extra = {}) => ({ identity, ...extra }),
  });
  const client = server.client(identity);
  const send = client.request.bind(client);
  const attempt = (leading: boolean): Promise<Outcome> =>
    attempts.tryAcquireOrRenew(send, leading, { start: server.clock.now(), controller: new AbortController() });
  return { attempts, client, slowpaths, attempt, release: () => attempts.tryRelease(send) };
}

const gets = (server: FakeLeaseServer, client: string) =>
  server.calls.filter((c) => c.client === client && c.method === 'GET').length;

describe('LeaseAttempts', () => {
  it('creates a missing Lease and observes it', async () => {
    const server = new FakeLeaseServer(new FakeClock(1_000));
    const a = candidate(server, 'a');
    expect(await a.attempt(false)).toEqual({ ok: true });
    expect(server.spec()).toMatchObject({ holderIdentity: 'a', leaseDurationSeconds: 15, leaseTransitions: 0 });
    expect(a.attempts.observed?.holderIdentity).toBe('a');
    expect(a.attempts.observedAt).toBe(1_000);
  });

  it('waits out a live holder, then takes over once the record stayed unchanged for its duration', async () => {
    const server = new FakeLeaseServer(new FakeClock(0));
    server.writeSpec({ holderIdentity: 'b', leaseDurationSeconds: 15, leaseTransitions: 3 });
    const a = candidate(server, 'a');
    expect(await a.attempt(false)).toEqual({ ok: false, heldBy: 'b' });
    server.clock.advance(14_999);
    expect(await a.attempt(false)).toEqual({ ok: false, heldBy: 'b' });
    server.clock.advance(1);
    expect(await a.attempt(false)).toEqual({ ok: true });
    expect(server.spec()).toMatchObject({ holderIdentity: 'a', leaseTransitions: 4 });
  });

  it('restarts the expiry clock when the holder renews', async () => {
    const server = new FakeLeaseServer(new FakeClock(0));
    server.writeSpec({ holderIdentity: 'b', leaseDurationSeconds: 15, renewTime: 't0' });
    const a = candidate(server, 'a');
    await a.attempt(false);
    server.clock.advance(10_000);
    server.writeSpec({ renewTime: 't10' });
    await a.attempt(false);
    server.clock.advance(10_000);
    expect(await a.attempt(false)).toEqual({ ok: false, heldBy: 'b' });
  });

  it('renews optimistically without a GET, and takes the slow path after a foreign write', async () => {
    const server = new FakeLeaseServer(new FakeClock(0));
    const a = candidate(server, 'a');
    await a.attempt(false);
    const before = gets(server, 'a');
    expect(await a.attempt(true)).toEqual({ ok: true });
    expect(gets(server, 'a')).toBe(before);
    expect(a.slowpaths).toEqual([]);
    server.touchMetadata();
    expect(await a.attempt(true)).toEqual({ ok: true });
    expect(gets(server, 'a')).toBe(before + 1);
    expect(a.slowpaths).toEqual([server.name]);
  });

  it('ends a term at once when the Lease names someone else or is gone', async () => {
    const server = new FakeLeaseServer(new FakeClock(0));
    const a = candidate(server, 'a');
    await a.attempt(false);
    server.writeSpec({ holderIdentity: 'b' });
    expect(await a.attempt(true)).toEqual({ ok: false, takenOverBy: 'b' });
    server.remove();
    expect(await a.attempt(true)).toMatchObject({ ok: false, fatal: expect.stringContaining('was deleted') });
  });

  it('releases only a Lease that still names us', async () => {
    const server = new FakeLeaseServer(new FakeClock(0));
    const a = candidate(server, 'a');
    await a.attempt(false);
    expect(await a.release()).toBe(true);
    expect(server.spec()).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1 });
    server.writeSpec({ holderIdentity: 'b', leaseDurationSeconds: 15 });
    expect(await a.release()).toBe(false);
    expect(server.spec()?.holderIdentity).toBe('b');
  });
});
