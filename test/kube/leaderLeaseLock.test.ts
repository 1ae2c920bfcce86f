// The Lease as a lock: the record read from a Lease (absent fields as zero values), the change key that
// counts any spec change as "alive", and get/create/update that PUT the object last seen (so a foreign
// write in between is a 409, never a lost update).

import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/kube/apiClient.js';
import {
  isNotFound,
  type LeaderElectionRecord,
  LeaseLock,
  leaseRecordOf,
  recordKey,
} from '../../src/kube/leaderLeaseLock.js';
import { FakeClock } from '../../src/shared/clock.js';
import { conflict, FakeLeaseServer } from '../support/fakeLeaseApi.js';

const record: LeaderElectionRecord = {
  holderIdentity: 'a',
  leaseDurationSeconds: 15,
  acquireTime: '2026-01-01T00:00:00.000000Z',
  renewTime: '2026-01-01T00:00:00.000000Z',
  leaseTransitions: 0,
};

describe('leaseRecordOf and recordKey', () => {
  it('reads absent and mistyped fields as zero values, and keeps coordinated-election fields', () => {
    expect(leaseRecordOf({ spec: { holderIdentity: 'a', leaseDurationSeconds: 'x' } })).toEqual({
      holderIdentity: 'a',
      leaseDurationSeconds: 0,
      acquireTime: '',
      renewTime: '',
      leaseTransitions: 0,
    });
    expect(leaseRecordOf({ spec: { strategy: 'OldestEmulationVersion' } })?.strategy).toBe('OldestEmulationVersion');
    expect(leaseRecordOf(null)).toBeNull();
    expect(leaseRecordOf({})?.holderIdentity).toBe('');
  });

  it('changes with any spec field, renewTime included', () => {
    expect(recordKey({ ...record })).toBe(recordKey(record));
    expect(recordKey({ ...record, renewTime: 'later' })).not.toBe(recordKey(record));
    expect(recordKey({ ...record, preferredHolder: 'b' })).not.toBe(recordKey(record));
  });
});

describe('LeaseLock', () => {
  const setup = () => {
    const server = new FakeLeaseServer(new FakeClock(0));
    const client = server.client('a');
    const send = client.request.bind(client);
    return { server, lock: new LeaseLock(server.namespace, server.name), send };
  };

  it('creates, reads and updates the Lease, remembering the object it last saw', async () => {
    const { server, lock, send } = setup();
    expect(lock.hasLease()).toBe(false);
    await expect(lock.update(send, record)).rejects.toThrow('call get or create first');
    const missing = await lock.get(send).catch((err: unknown) => err);
    expect(isNotFound(missing)).toBe(true);
    expect(await lock.create(send, record)).toEqual(record);
    expect(lock.hasLease()).toBe(true);
    const renewed = await lock.update(send, { ...record, renewTime: '2026-01-01T00:00:02.000000Z' });
    expect(renewed.renewTime).toBe('2026-01-01T00:00:02.000000Z');
    expect(server.spec()?.renewTime).toBe('2026-01-01T00:00:02.000000Z');
    expect(lock.describe()).toBe(`${server.namespace}/${server.name}`);
  });

  it('fails an update with 409 when someone else wrote the Lease since it was last seen', async () => {
    const { server, lock, send } = setup();
    await lock.create(send, record);
    server.writeSpec({ holderIdentity: 'b', leaseDurationSeconds: 15 });
    const err = await lock.update(send, record).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe(conflict().code);
    expect((await lock.get(send)).holderIdentity).toBe('b');
    await expect(lock.update(send, record)).resolves.toEqual(record);
  });
});
