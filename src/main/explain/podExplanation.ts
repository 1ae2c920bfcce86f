// `explain pod`: one pod's claims → their allocated devices → the taints on them (from slices and
// from DeviceTaintRules) → the tolerations that match → the verdict. The verdict is the engine's
// (`pendingEviction`, the entry of `deletePodAt` the controller would hold); the claim statuses use the
// claim-resolution functions the engine's PodClaims uses (src/shared/claimResolution.ts), and the
// device detail is taints.ts.

import {
  claimIsForPod,
  claimIsReservedForPod,
  isPodConsumer,
  sourceClaimName,
  sourceMustCheckOwner,
} from '../../shared/claimResolution.js';
import { mergeEvictions } from '../../shared/evictionTime.js';
import type { ClaimRecord, PodClaimSource, PodGroupRecord, PodRecord } from '../../shared/types.js';
import type { EvictionEngine } from '../engine/engine.js';
import { ExplainError, type ExplainInput, ExplainNotFoundError, estimateBrakes, rulesOf, startView } from './common.js';
import { deviceText, durationText, iso, isoOrNull, reasonText, relativeText, secondsFrom } from './format.js';
import type { ClusterSnapshot } from './snapshot.js';
import { feedEngine } from './snapshot.js';
import { checkAgainstEngine, deviceView } from './taints.js';
import {
  type ClaimSource,
  type ClaimView,
  EXPLAIN_API_VERSION,
  type ForeverToleration,
  type PodExplanation,
  type PodVerdict,
} from './types.js';

interface ClaimEntry {
  readonly entry: string;
  readonly source: ClaimSource;
  readonly claimName: string | null;
  readonly mustCheckOwner: boolean;
  readonly unresolvedWhy: string;
}

const sourceOf = (s: PodClaimSource): ClaimSource =>
  s.resourceClaimName !== null
    ? 'resourceClaimName'
    : s.resourceClaimTemplateName !== null
      ? 'resourceClaimTemplateName'
      : 'podGroupResourceClaim';

/** Why an entry resolves to no claim (only asked when it does not). */
function unresolvedWhy(pod: PodRecord, s: PodClaimSource, group: PodGroupRecord | null, workloadClaims: boolean) {
  if (s.resourceClaimTemplateName !== null) {
    const status = pod.resourceClaimStatuses.find((st) => st.name === s.name);
    return status === undefined
      ? `made from template ${s.resourceClaimTemplateName}; the pod status records no claim for it yet`
      : 'the pod status records that no claim was created for it';
  }
  if (s.podGroupResourceClaim !== null) {
    if (!workloadClaims) return 'a PodGroup claim: honoured only with --workload-claims (as run)';
    if (pod.podGroupName === null) return 'a PodGroup claim, but the pod names no PodGroup';
    if (group === null) return `a PodGroup claim, but PodGroup ${pod.podGroupName} was not found`;
    return `PodGroup ${group.name} has no resolved claim ${s.podGroupResourceClaim}`;
  }
  return 'no claim source the controller knows';
}

function claimEntries(pod: PodRecord, group: PodGroupRecord | null, workloadClaims: boolean): ClaimEntry[] {
  const entries: ClaimEntry[] = pod.resourceClaims.map((s) => {
    const claimName = sourceClaimName(pod, s, group, workloadClaims);
    return {
      entry: s.name,
      source: sourceOf(s),
      claimName,
      mustCheckOwner: sourceMustCheckOwner(s),
      unresolvedWhy: claimName === null ? unresolvedWhy(pod, s, group, workloadClaims) : '',
    };
  });
  if (pod.extendedResourceClaimName !== null)
    entries.push({
      entry: '(extended resources)',
      source: 'extendedResource',
      claimName: pod.extendedResourceClaimName,
      mustCheckOwner: true,
      unresolvedWhy: '',
    });
  return entries;
}

function reservedText(claim: ClaimRecord): string {
  const pods = claim.reservedFor.filter(isPodConsumer);
  if (claim.reservedFor.length === 0) return 'status.reservedFor is empty';
  const names = claim.reservedFor.map((c) => `${c.resource}/${c.name} (uid ${c.uid})`).join(', ');
  return pods.length > 0 ? `reserved for ${names}` : `reserved for ${names} only`;
}

export function explainPod(input: ExplainInput, namespace: string, name: string): PodExplanation {
  const { snapshot, now, workloadClaims } = input;
  const { engine } = feedEngine(snapshot, now, { workloadClaims });
  const pod = engine.getPod(namespace, name);
  if (pod === null) {
    const skipped = snapshot.skipped.find((s) => s.resource === 'pods' && s.key === `${namespace}/${name}`);
    if (skipped !== undefined)
      throw new ExplainError(
        `pod ${namespace}/${name} cannot be read (${skipped.error}): the controller ignores it too`,
      );
    throw new ExplainNotFoundError(`pod ${namespace}/${name} not found`);
  }
  const group = engine.podGroupOf(pod);
  const notes: string[] = [];
  const claimsByKey = new Map(snapshot.claims.map((c) => [`${c.namespace}/${c.name}`, c]));

  const claims: ClaimView[] = claimEntries(pod, group, workloadClaims).map((e) => {
    const base = { entry: e.entry, source: e.source, claim: e.claimName };
    if (e.claimName === null)
      return { ...base, status: 'unresolved', detail: e.unresolvedWhy, eviction: null, devices: [] };
    const listed = claimsByKey.get(`${namespace}/${e.claimName}`);
    const unreadable = snapshot.skipped.find(
      (x) => x.resource === 'resourceclaims' && x.key === `${namespace}/${e.claimName}`,
    );
    if (listed === undefined && unreadable !== undefined)
      return {
        ...base,
        status: 'notFound',
        detail: `ResourceClaim ${namespace}/${e.claimName} cannot be read (${unreadable.error}): the controller ignores it too`,
        eviction: null,
        devices: [],
      };
    if (listed === undefined)
      return {
        ...base,
        status: 'notFound',
        detail: `no ResourceClaim ${namespace}/${e.claimName}`,
        eviction: null,
        devices: [],
      };
    const claim = engine.allocatedClaim(namespace, e.claimName);
    if (claim === null)
      return { ...base, status: 'notAllocated', detail: 'not allocated: no devices', eviction: null, devices: [] };
    const devices = (claim.allocation ?? []).map((d) => deviceView(engine, snapshot, d, now));
    if (e.mustCheckOwner && !claimIsForPod(pod, claim, group, workloadClaims))
      return {
        ...base,
        status: 'notOwned',
        detail: `a generated claim controlled by ${claim.controllerOwnerUid === null ? 'nobody' : `uid ${claim.controllerOwnerUid}`}, not by this pod (uid ${pod.uid})${group === null ? '' : ` or its PodGroup (uid ${group.uid})`}: its taints do not count`,
        eviction: null,
        devices,
      };
    if (!claimIsReservedForPod(pod, claim, group, workloadClaims))
      return {
        ...base,
        status: 'notReserved',
        detail: `${reservedText(claim)}, not this pod (uid ${pod.uid}): a same-name replacement does not inherit it`,
        eviction: null,
        devices,
      };
    if (!engine.podUsesClaim(pod, claim))
      notes.push(`internal: claim ${claim.name} passes every check but the engine does not use it`);
    const eviction = engine.claimEvictionOf(namespace, claim.name) ?? null;
    const mismatch = checkAgainstEngine(devices, eviction);
    if (mismatch !== null) notes.push(`internal: claim ${claim.name}: ${mismatch}`);
    return {
      ...base,
      status: 'used',
      detail: `allocated, ${e.mustCheckOwner ? 'controlled by this pod, ' : ''}reserved for it: its devices' taints count`,
      eviction:
        eviction === null
          ? null
          : { at: iso(eviction.when), inSeconds: secondsFrom(eviction.when, now), reasons: [...eviction.reasons] },
      devices,
    };
  });

  const pending = engine.pendingEviction(pod);
  // The pod's eviction is the union of its used claims' (§2.5 step 6): the engine's, checked.
  let union = null;
  for (const c of claims)
    if (c.status === 'used' && c.claim !== null)
      union = mergeEvictions(union, engine.claimEvictionOf(namespace, c.claim) ?? null);
  if (pod.nodeName !== '' && (union?.when ?? null) !== (pending?.fireAt ?? null))
    notes.push('internal: the pending eviction is not the union of the used claims’ evictions');

  const verdict = podVerdict(engine, pod, claims, now);
  const brakesPart = estimateBrakes(
    input,
    engine,
    [...engine.pendingEvictions()],
    pending === undefined ? [] : rulesOf(pending.reasons),
  );
  const start = pending === undefined ? null : startView(brakesPart.starts, pending, now);
  const summary = verdictText(verdict, now);
  const brakeSummary = [...brakesPart.view.summary];
  if (start !== null)
    brakeSummary.push(startText(start, pending?.fireAt ?? now, now, brakesPart.view.pendingEvictions));
  for (const c of claims)
    for (const d of c.devices)
      for (const t of d.taints)
        if (t.timeAddedAssumed && t.outcome !== 'notEvicting')
          notes.push(
            `${t.source === 'rule' ? `rule ${t.rule}` : `slice ${t.slice}`}: taint ${t.text} has no timeAdded; the controller counts from when it first saw it, this explanation from now`,
          );
  notes.push(...skippedNotes(snapshot));

  return {
    apiVersion: EXPLAIN_API_VERSION,
    kind: 'PodExplanation',
    generatedAt: iso(now),
    server: snapshot.server,
    pod: {
      namespace,
      name,
      uid: pod.uid,
      nodeName: pod.nodeName === '' ? null : pod.nodeName,
      podGroup: pod.podGroupName,
      deletionTimestamp: isoOrNull(pod.deletionTimestamp),
    },
    verdict,
    summary,
    claims,
    brakes: { ...brakesPart.view, summary: brakeSummary, start },
    notes: [...new Set(notes)],
  };
}

function podVerdict(engine: EvictionEngine, pod: PodRecord, claims: readonly ClaimView[], now: number): PodVerdict {
  const pending = engine.pendingEviction(pod);
  if (pending !== undefined)
    return {
      kind: 'evict',
      at: iso(pending.fireAt),
      inSeconds: secondsFrom(pending.fireAt, now),
      due: pending.fireAt <= now,
      reasons: [...pending.reasons],
      terminating: pod.deletionTimestamp !== null,
    };
  if (pod.nodeName === '') return { kind: 'notAffected', why: 'not scheduled (no spec.nodeName): never evicted' };
  const used = claims.filter((c) => c.status === 'used');
  const forever: ForeverToleration[] = [];
  for (const c of used)
    for (const d of c.devices)
      for (const t of d.taints)
        if (t.outcome === 'toleratedForever' && t.toleratedBy !== null)
          forever.push({ claim: c.claim ?? '', device: deviceText(d), taint: t.text, toleration: t.toleratedBy.text });
  if (forever.length > 0) return { kind: 'toleratedForever', by: forever };
  if (claims.length === 0) return { kind: 'notAffected', why: 'the pod uses no ResourceClaims' };
  if (used.length === 0) return { kind: 'notAffected', why: 'none of its claims counts for it (see the claims)' };
  return { kind: 'notAffected', why: 'no NoExecute taint on the devices of its claims' };
}

export function verdictText(v: PodVerdict, now: number): string {
  switch (v.kind) {
    case 'evict': {
      const at = Date.parse(v.at);
      const why = v.reasons.map(reasonText).join('; ');
      const when = v.due
        ? `evicted now (due at ${v.at}, ${relativeText(at, now)})`
        : `evicted at ${v.at} (${relativeText(at, now)})`;
      return `${when} because of ${why}${v.terminating ? '; the pod is being deleted already: the controller writes nothing, and counts it' : ''}`;
    }
    case 'toleratedForever':
      return `tolerated forever by ${v.by.map((b) => `${b.toleration} (taint ${b.taint} on ${b.device})`).join('; ')}`;
    case 'notAffected':
      return `not affected: ${v.why}`;
  }
}

function startText(
  start: NonNullable<ReturnType<typeof startView>>,
  fireAt: number,
  now: number,
  pendingCount: number,
): string {
  if (start.heldByBreaker) return `this pod: held by the breaker (estimate ${start.order} of ${pendingCount})`;
  const at = start.startAt === null ? fireAt : Date.parse(start.startAt);
  const late = at - Math.max(fireAt, now);
  const by = start.delayedBy.length === 0 ? '' : ` by the ${start.delayedBy.join(' and ')} rate`;
  return late > 0
    ? `this pod: starts no earlier than ${iso(at)} (${relativeText(at, now)}), ${durationText(late)} after it is due${by}; ${start.order} of ${pendingCount} pending`
    : `this pod: starts when due (${relativeText(at, now)}); ${start.order} of ${pendingCount} pending`;
}

export function skippedNotes(snapshot: ClusterSnapshot): string[] {
  const notes: string[] = [];
  if (!snapshot.rulesServed) notes.push('the API server serves no DeviceTaintRules: slice taints only');
  if (snapshot.skipped.length > 0)
    notes.push(
      `${snapshot.skipped.length} object(s) could not be read and are left out, as the controller leaves them out: ${snapshot.skipped
        .slice(0, 5)
        .map((s) => `${s.resource} ${s.key ?? '?'} (${s.error})`)
        .join('; ')}${snapshot.skipped.length > 5 ? '; …' : ''}`,
    );
  return notes;
}
