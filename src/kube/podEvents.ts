// core/v1 Events about pods, shaped like the ones kube-controller-manager's event recorder writes for
// the device taint eviction controller (docs/behaviour.md §1.3), so `kubectl describe pod` and existing
// alerting see the same.

import { randomUUID } from 'node:crypto';
import type { PodRef } from '../shared/types.js';
import { rfc3339 } from './apiClient.js';

export const controllerName = 'device-taint-eviction-controller';
export const evictionEventReason = 'DeviceTaintManagerEviction';

export const eventMessages = {
  marking: 'Marking for deletion',
  cancelling: 'Cancelling deletion',
} as const;

export type PodEventMessage = (typeof eventMessages)[keyof typeof eventMessages];

/** An event of ours beyond upstream's two: its type, reason and message. */
export interface PodEventSpec {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
}

/** --eviction-mode evict gave up waiting for the disruption budget: the hardware fault wins. */
export const evictionTimeoutEvent = (waitedMs: number): PodEventSpec => ({
  type: 'Warning',
  reason: 'DeviceTaintEvictionTimeout',
  message: `The pod's disruption budget blocked its eviction for ${Math.round(waitedMs / 1000)}s (--eviction-timeout); deleting it directly, because its device is tainted NoExecute`,
});

/** What an event is about. Cluster-scoped objects have no namespace. */
export interface InvolvedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly uid: string;
}

export interface CoreEvent {
  readonly apiVersion: 'v1';
  readonly kind: 'Event';
  readonly metadata: { readonly name: string; readonly namespace: string };
  readonly involvedObject: InvolvedObject;
  readonly reason: string;
  readonly message: string;
  readonly type: 'Normal' | 'Warning';
  readonly source: { readonly component: string };
  readonly reportingComponent: string;
  readonly reportingInstance: string;
  readonly firstTimestamp: string;
  readonly lastTimestamp: string;
  readonly count: number;
}

/** A fresh Event (count 1) for `pod`, named as client-go's recorder names it. */
export function podEvent(
  pod: PodRef,
  message: PodEventMessage | PodEventSpec,
  nowMs: number,
  reportingInstance = '',
): CoreEvent {
  const spec: PodEventSpec =
    typeof message === 'string' ? { type: 'Normal', reason: evictionEventReason, message } : message;
  return objectEvent(
    { apiVersion: 'v1', kind: 'Pod', namespace: pod.namespace, name: pod.name, uid: pod.uid },
    spec,
    nowMs,
    reportingInstance,
  );
}

/**
 * A fresh Event (count 1) about any object. Like client-go's recorder, an event about a cluster-scoped
 * object (a DeviceTaintRule) is stored in the `default` namespace.
 */
export function objectEvent(
  involved: InvolvedObject,
  spec: PodEventSpec,
  nowMs: number,
  reportingInstance = '',
): CoreEvent {
  const ts = rfc3339(nowMs);
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: eventName(involved.name, nowMs), namespace: involved.namespace || 'default' },
    involvedObject: involved,
    reason: spec.reason,
    message: spec.message,
    type: spec.type,
    source: { component: controllerName },
    reportingComponent: controllerName,
    reportingInstance,
    firstTimestamp: ts,
    lastTimestamp: ts,
    count: 1,
  };
}

export const eventsPath = (namespace: string): string => `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`;

/** Distinguishes events named within the same millisecond (our clocks have no nanoseconds). */
let sameMillisecond = 0;

/**
 * client-go's `GenerateEventName`: `<object name>.<hex of the time in nanoseconds>`, or a UUID when that
 * is no valid name (longer than a DNS subdomain's 253 characters). The name is known before the create,
 * so a repeat of the event can be patched into it (eventCorrelator.ts) without reading any response.
 */
export function eventName(objectName: string, nowMs: number): string {
  sameMillisecond = (sameMillisecond + 1) % 1_000_000;
  const nanos = BigInt(Math.trunc(nowMs)) * 1_000_000n + BigInt(sameMillisecond);
  const name = `${objectName}.${nanos.toString(16)}`;
  return name.length <= 253 ? name : randomUUID();
}
