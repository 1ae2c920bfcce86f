// The Events we write about pods look like kube-controller-manager's for this controller: same reason,
// source component, involved object (with UID) and a generateName the apiserver completes.

import { describe, expect, it } from 'vitest';
import { controllerName, eventMessages, eventsPath, podEvent } from '../../src/kube/podEvents.js';

describe('podEvent', () => {
  it('builds a Normal DeviceTaintManagerEviction event on the pod, count 1, stamped now', () => {
    const pod = { namespace: 'team-a', name: 'trainer', uid: 'u-1' };
    const event = podEvent(pod, eventMessages.marking, Date.UTC(2026, 0, 2, 3, 4, 5), 'replica-1');
    expect(event).toMatchObject({
      metadata: { generateName: 'trainer.', namespace: 'team-a' },
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

  it('posts to the pod namespace, escaped', () => {
    expect(eventsPath('team a')).toBe('/api/v1/namespaces/team%20a/events');
  });
});
