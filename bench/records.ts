// A GPU cluster as compact records, shaped like src/sim/seed.ts lays it out (one slice per node with
// devices gpu-0…gpu-7, one claim per pod on a device of its node), for benchmarks that feed the engine
// directly and must not pay for HTTP or projection.

import type { ClaimRecord, PodRecord, RuleRecord, SliceRecord } from '../src/shared/types.js';
import {
  allocatedDevice,
  claimReservedFor,
  deviceTaint,
  podUsingClaim,
  ruleRecord,
  sliceDevices,
  sliceRecord,
  toleratesFor,
} from '../test/support/records.js';

export const DRIVER = 'gpu.nvidia.com';
export const XID = 'gpu.nvidia.com/xid';

export interface RecordCluster {
  readonly slices: SliceRecord[];
  readonly claims: ClaimRecord[];
  readonly pods: PodRecord[];
  /** Pods whose claim tolerates the XID taint. */
  readonly tolerating: number;
}

export interface RecordClusterOptions {
  readonly pods: number;
  readonly nodes: number;
  readonly devicesPerNode?: number;
  /** Every `toleratingEvery`-th pod tolerates XID NoExecute for `tolerationSeconds`; 0 = none. */
  readonly toleratingEvery?: number;
  readonly tolerationSeconds?: number;
  /** Pods are spread over `team-0` … `team-<namespaces − 1>`. Default 10. */
  readonly namespaces?: number;
}

export function buildRecordCluster(opts: RecordClusterOptions): RecordCluster {
  const devicesPerNode = opts.devicesPerNode ?? 8;
  const slices: SliceRecord[] = [];
  for (let n = 0; n < opts.nodes; n++) {
    const node = `gpu-node-${n}`;
    const devices = sliceDevices(Array.from({ length: devicesPerNode }, (_, d) => `gpu-${d}`));
    slices.push(sliceRecord({ uid: `slice-${n}`, driver: DRIVER, pool: node, devices }));
  }
  const toleration = toleratesFor(XID, opts.tolerationSeconds ?? 60);
  const claims: ClaimRecord[] = [];
  const pods: PodRecord[] = [];
  let tolerating = 0;
  for (let i = 0; i < opts.pods; i++) {
    const nodeIndex = i % opts.nodes;
    const node = `gpu-node-${nodeIndex}`;
    const namespace = `team-${i % (opts.namespaces ?? 10)}`;
    const name = `trainer-${i}`;
    const uid = `pod-uid-${i}`;
    const claimName = `${name}-gpu`;
    const tolerates = opts.toleratingEvery !== undefined && opts.toleratingEvery > 0 && i % opts.toleratingEvery === 0;
    if (tolerates) tolerating++;
    const pod = podUsingClaim(claimName, { namespace, name, uid, nodeName: node });
    const device = allocatedDevice({
      driver: DRIVER,
      pool: node,
      device: `gpu-${Math.floor(i / opts.nodes) % devicesPerNode}`,
      request: 'gpu',
      tolerations: tolerates ? [toleration] : [],
    });
    claims.push(claimReservedFor(pod, [device], { name: claimName, uid: `claim-uid-${i}` }));
    pods.push(pod);
  }
  return { slices, claims, pods, tolerating };
}

/** A rule over every device of the driver. */
export function xidRule(effect: string, timeAdded: number, generation = 1, uid = 'rule-uid-1'): RuleRecord {
  return ruleRecord({
    name: 'gpu-xid-79',
    uid,
    resourceVersion: String(generation),
    generation,
    selector: { driver: DRIVER },
    taint: deviceTaint({ key: XID, value: '79', effect, timeAdded }),
  });
}
