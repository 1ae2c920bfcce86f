// client-go's event correlation, as our executors use it: a repeated event is a count on the first
// Event (a patch), anything else is a new Event, and the spam filter allows 25 events per object and
// then one every 5 minutes, while still counting the ones it drops.

import { describe, expect, it } from 'vitest';
import { EventCorrelator } from '../../src/kube/eventCorrelator.js';
import { eventMessages, podEvent } from '../../src/kube/podEvents.js';
import { FakeClock } from '../../src/shared/clock.js';
import type { PodRef } from '../../src/shared/types.js';

const T0 = Date.UTC(2026, 11, 6, 3, 0, 0);
const pod: PodRef = { namespace: 'team', name: 'trainer', uid: 'u-1' };

function setup(options = {}) {
  const clock = new FakeClock(T0);
  const correlator = new EventCorrelator(() => clock.now(), options);
  const event = (p: PodRef = pod, message: string = eventMessages.marking) =>
    correlator.correlate(podEvent(p, message as typeof eventMessages.marking, clock.now()));
  return { clock, correlator, event };
}

describe('EventCorrelator', () => {
  it('turns an identical event into a patch of the first one: its name, first timestamp and the new count', () => {
    const { clock, event } = setup();
    const first = event();
    expect(first?.patch).toBeNull();
    expect(first?.event.count).toBe(1);
    clock.advance(5_000);
    const second = event();
    expect(second?.patch).toEqual({ count: 2, lastTimestamp: '2026-12-06T03:00:05Z', message: 'Marking for deletion' });
    expect(second?.event).toMatchObject({
      metadata: { name: first?.event.metadata.name, namespace: 'team' },
      firstTimestamp: '2026-12-06T03:00:00Z',
      lastTimestamp: '2026-12-06T03:00:05Z',
      count: 2,
    });
    clock.advance(5_000);
    expect(event()?.patch?.count).toBe(3);
  });

  it('keeps events that differ in message or object apart', () => {
    const { event } = setup();
    expect(event()?.patch).toBeNull();
    expect(event(pod, eventMessages.cancelling)?.patch).toBeNull();
    // Same name, another incarnation (UID): another object.
    expect(event({ ...pod, uid: 'u-2' })?.patch).toBeNull();
    expect(event({ ...pod, namespace: 'other' })?.patch).toBeNull();
    expect(event()?.patch?.count).toBe(2);
    expect(event(pod, eventMessages.cancelling)?.patch?.count).toBe(2);
  });

  it('allows 25 events per object, then one every 5 minutes, and counts the dropped ones', () => {
    const { clock, event } = setup();
    for (let i = 1; i <= 25; i++) expect(event()?.patch?.count ?? 1).toBe(i);
    // Another message about the same object shares its budget.
    expect(event(pod, eventMessages.cancelling)).toBeNull();
    expect(event()).toBeNull();
    // Another object has its own.
    expect(event({ ...pod, name: 'other', uid: 'u-9' })).not.toBeNull();
    clock.advance(299_999);
    expect(event()).toBeNull();
    clock.advance(1);
    // 25 written, two dropped (counted), this one: the 28th occurrence.
    expect(event()?.patch?.count).toBe(28);
    expect(event()).toBeNull();
  });

  it('forgets the least recently used event when its cache is full: a repeat is then a new Event', () => {
    const { event } = setup({ cacheEntries: 2 });
    const a = { ...pod, name: 'a', uid: 'a' };
    const b = { ...pod, name: 'b', uid: 'b' };
    const c = { ...pod, name: 'c', uid: 'c' };
    event(a);
    event(b);
    expect(event(a)?.patch?.count).toBe(2); // a is now the most recent
    event(c); // forgets b
    expect(event(a)?.patch?.count).toBe(3);
    expect(event(b)?.patch).toBeNull();
  });
});
