// The Events we write about pods look like kube-controller-manager's for this controller: same reason,
// source component, involved object (with UID) and a name made as client-go's recorder makes it.

import { describe, expect, it } from 'vitest';
import { controllerName, eventMessages, eventName, eventsPath, podEvent } from '../../src/kube/podEvents.js';

describe('podEvent', () => {
  it('builds a Normal DeviceTaintManagerEviction event on the pod, count 1, stamped now', () => {
    const pod = { namespace: 'team-a', name: 'trainer', uid: 'u-1' };
    const event = podEvent(pod, eventMessages.marking, Date.UTC(2026, 0, 2, 3, 4, 5), 'replica-1');
    expect(event).toMatchObject({
      metadata: { namespace: 'team-a' },
      involvedObject: { apiVersion: 'v1', kind: 'Pod', namespace: 'team-a', name: 'trainer', uid: 'u-1' },
      reason: 'DeviceTaintManagerEviction',
      message: 'Marking for deletion',
      type: 'Normal',
      source: { component: controllerName },
      reportingComponent: 'device-taint-eviction-controller',
      reportingInstance: 'replica-1',
      count: 1,
    });
    expect(event.firstTimestamp).toBe('2026-01-02T03:04:05Z');
    expect(event.lastTimestamp).toBe(event.firstTimestamp);
    expect(eventMessages.cancelling).toBe('Cancelling deletion');
  });

  it('is named <pod>.<hex nanoseconds>, distinct within one millisecond, a UUID when that is too long', () => {
    const at = Date.UTC(2026, 0, 2, 3, 4, 5);
    const first = eventName('trainer', at);
    const second = eventName('trainer', at);
    expect(first).toMatch(/^trainer\.[0-9a-f]+$/);
    expect(second).not.toBe(first);
    // The hex part is the time in nanoseconds (client-go's t.UnixNano()), plus a counter below a millisecond.
    const nanos = BigInt(`0x${first.split('.')[1]}`);
    expect(nanos / 1_000_000n).toBe(BigInt(at));
    const long = 'p'.repeat(240);
    expect(eventName(long, at)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(podEvent({ namespace: 'a', name: 'x', uid: 'u' }, eventMessages.marking, at).metadata.name).toMatch(
      /^x\.[0-9a-f]+$/,
    );
  });

  it('posts to the pod namespace, escaped', () => {
    expect(eventsPath('team a')).toBe('/api/v1/namespaces/team%20a/events');
  });
});
