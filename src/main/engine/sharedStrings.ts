// One copy of the strings a pod and its claims both carry. JSON.parse gives every list item its own
// copy of each string value: a claim generated for a pod holds the pod's UID twice more (owner
// reference, reservedFor) and its name once more (reservedFor), and the pod holds the claim's name in
// its claim status. Per pod and claim that is ~130 bytes of duplicates (a 36-character UID alone is a
// 56-byte string), 19 MB at 150k pods, measured in a heap snapshot. Whichever of the two records the
// engine sees second takes the strings of the one it already holds.
//
// The records are mutated in place: the informer store holds these very objects, and replacing a
// string by an equal string changes nothing anyone can observe but identity, which no code relies on
// (see shared/intern.ts). Frozen sub-records (shared instances) are left alone.

import type { ClaimRecord, ConsumerRef, PodClaimSource, PodClaimStatus, PodRecord } from '../../shared/types.js';
import type { AllocatedClaims } from './allocatedClaims.js';
import type { PodCache } from './podCache.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const POD_RESOURCE = 'pods';

/** A claim arrived: its references to cached pods take the pods' strings. */
export function shareWithPods(claim: ClaimRecord, pods: PodCache): void {
  for (const consumer of claim.reservedFor) {
    if (consumer.resource !== POD_RESOURCE || consumer.apiGroup !== '') continue;
    const pod = pods.get(claim.namespace, consumer.name);
    if (pod === undefined || pod.uid !== consumer.uid) continue;
    adoptPod(claim, consumer, pod);
  }
}

/** A pod arrived: it and its cached claims share their strings. */
export function shareWithClaims(pod: PodRecord, claims: AllocatedClaims): void {
  for (const status of pod.resourceClaimStatuses) {
    if (status.resourceClaimName === null) continue;
    const entry = claims.get(pod.namespace, status.resourceClaimName);
    if (entry === undefined) continue;
    if (!Object.isFrozen(status)) (status as Mutable<PodClaimStatus>).resourceClaimName = entry.claim.name;
    shareConsumer(entry.claim, pod);
  }
  for (const source of pod.resourceClaims) {
    if (source.resourceClaimName === null) continue;
    const entry = claims.get(pod.namespace, source.resourceClaimName);
    if (entry === undefined) continue;
    if (!Object.isFrozen(source)) (source as Mutable<PodClaimSource>).resourceClaimName = entry.claim.name;
    shareConsumer(entry.claim, pod);
  }
}

function shareConsumer(claim: ClaimRecord, pod: PodRecord): void {
  for (const consumer of claim.reservedFor)
    if (consumer.name === pod.name && consumer.uid === pod.uid && consumer.resource === POD_RESOURCE) {
      // The claim's UID copy (owner and reservation share it) stays: the pod takes it, freeing its own.
      if (!Object.isFrozen(pod)) (pod as Mutable<PodRecord>).uid = consumer.uid;
      adoptPod(claim, consumer, pod);
    }
}

function adoptPod(claim: ClaimRecord, consumer: ConsumerRef, pod: PodRecord): void {
  if (!Object.isFrozen(consumer)) {
    const c = consumer as Mutable<ConsumerRef>;
    c.name = pod.name;
    c.uid = pod.uid;
  }
  if (claim.controllerOwnerUid === pod.uid && !Object.isFrozen(claim))
    (claim as Mutable<ClaimRecord>).controllerOwnerUid = pod.uid;
}
