// A small cluster for the explanation tests, as compact records (test/support/records.ts): GPU nodes
// publishing one slice each (pool = node), workloads = a scheduled pod plus its allocated claim
// reserved for it, rules, and the snapshot `explain` works from. Virtual time starts at T0.

import { NO_BRAKES } from '../../../src/main/explain/brakes.js';
import type { ExplainInput } from '../../../src/main/explain/common.js';
import type { ClusterSnapshot } from '../../../src/main/explain/snapshot.js';
import type {
  ClaimRecord,
  DeviceTaint,
  DeviceToleration,
  PodRecord,
  RuleRecord,
  SliceRecord,
} from '../../../src/shared/types.js';
import {
  allocatedDevice,
  claimReservedFor,
  deviceTaint,
  podUsingClaim,
  ruleRecord,
  sliceRecord,
} from '../../support/records.js';

export const T0 = Date.UTC(2025, 0, 1, 10, 0, 0);
export const S = 1000;
export const DRIVER = 'gpu.example.com';
export const KEY = 'gpu.example.com/xid';

export const xid = (t: Partial<DeviceTaint> = {}): DeviceTaint =>
  deviceTaint({ key: KEY, value: '79', effect: 'NoExecute', timeAdded: T0, ...t });

/** A node's slice: every device untainted unless `taints` names it. */
export const nodeSlice = (
  node: string,
  devices: readonly string[],
  taints: Readonly<Record<string, readonly DeviceTaint[]>> = {},
): SliceRecord =>
  sliceRecord({
    driver: DRIVER,
    pool: node,
    name: `${node}-gpu`,
    devices: devices.map((name) => ({ name, taints: [...(taints[name] ?? [])] })),
  });

export interface Workload {
  readonly pod: PodRecord;
  readonly claim: ClaimRecord;
}

export function workload(
  namespace: string,
  name: string,
  node: string,
  device: string,
  tolerations: readonly DeviceToleration[] = [],
): Workload {
  const claimName = `${name}-gpu`;
  const pod = podUsingClaim(claimName, { namespace, name, uid: `uid-${namespace}-${name}`, nodeName: node });
  const claim = claimReservedFor(
    pod,
    [allocatedDevice({ driver: DRIVER, pool: node, device, request: 'gpu', tolerations })],
    { name: claimName, uid: `uid-claim-${namespace}-${name}` },
  );
  return { pod, claim };
}

export const rule = (name: string, r: Partial<RuleRecord> = {}): RuleRecord =>
  ruleRecord({ name, uid: `uid-rule-${name}`, selector: { driver: DRIVER }, taint: xid(), ...r });

export function snapshotOf(
  parts: {
    readonly workloads?: readonly Workload[];
    readonly slices?: readonly SliceRecord[];
    readonly rules?: readonly RuleRecord[];
    readonly pods?: readonly PodRecord[];
    readonly claims?: readonly ClaimRecord[];
    readonly breaker?: ClusterSnapshot['breaker'];
  } = {},
): ClusterSnapshot {
  const workloads = parts.workloads ?? [];
  return {
    server: 'https://sim.test',
    pods: [...workloads.map((w) => w.pod), ...(parts.pods ?? [])],
    claims: [...workloads.map((w) => w.claim), ...(parts.claims ?? [])],
    slices: parts.slices ?? [],
    rules: parts.rules ?? [],
    podGroups: [],
    rulesServed: true,
    skipped: [],
    breaker: parts.breaker ?? {
      state: 'closed',
      configMap: 'kube-system/device-taint-evictor-breaker',
      recorded: false,
      openedAt: null,
      reason: '',
    },
  };
}

export const inputOf = (snapshot: ClusterSnapshot, now = T0, extra: Partial<ExplainInput> = {}): ExplainInput => ({
  snapshot,
  now,
  workloadClaims: false,
  brakes: NO_BRAKES,
  ...extra,
});
