// Raw Kubernetes objects (the JSON an apiserver sends) for tests that go through the real projection
// and reflector instead of building records: pods, claims, ResourceSlices and DeviceTaintRules of one
// driver, with the few fields the controller reads, plus one way to make each of them malformed.

export const DRIVER = 'gpu.example.com';
export const NAMESPACE = 'default';
export const TAINT_KEY = 'example.com/unhealthy';

export const iso = (ms: number): string => new Date(ms).toISOString();

export interface RawTaint {
  readonly effect: 'NoExecute' | 'NoSchedule' | 'None';
  /** ms since epoch, or a string sent as is (e.g. a malformed timestamp). */
  readonly timeAdded: number | string;
  readonly key?: string;
  readonly value?: string;
}

export interface RawDevice {
  readonly name: string;
  readonly taints?: readonly RawTaint[];
}

const rawTaint = (t: RawTaint) => ({
  key: t.key ?? TAINT_KEY,
  value: t.value ?? 'xid-79',
  effect: t.effect,
  timeAdded: typeof t.timeAdded === 'number' ? iso(t.timeAdded) : t.timeAdded,
});

export interface SliceSpec {
  readonly name: string;
  readonly pool: string;
  /** Sent as a JSON number (so an integer beyond 2^53 is sent as such), or omitted when undefined. */
  readonly generation?: number;
  readonly devices: readonly RawDevice[];
  readonly uid?: string;
}

/** A resource.k8s.io/v1 ResourceSlice (flat device layout) of `DRIVER` on node `pool`. */
export function rawSlice(s: SliceSpec) {
  return {
    apiVersion: 'resource.k8s.io/v1',
    kind: 'ResourceSlice',
    metadata: { name: s.name, uid: s.uid ?? `uid-${s.name}` },
    spec: {
      driver: DRIVER,
      nodeName: s.pool,
      pool: {
        name: s.pool,
        resourceSliceCount: 1,
        ...(s.generation === undefined ? {} : { generation: s.generation }),
      },
      devices: s.devices.map((d) => ({ name: d.name, ...(d.taints ? { taints: d.taints.map(rawTaint) } : {}) })),
    },
  };
}

/** A taint whose `timeAdded` is not a timestamp: the slice fails projection (the operator's report). */
export const MALFORMED_TAINT: RawTaint = { effect: 'NoExecute', timeAdded: 'yesterday' };

export interface RawToleration {
  /** `null`: tolerate forever. */
  readonly seconds: number | null;
}

export interface ClaimSpec {
  readonly name: string;
  readonly uid: string;
  /** The pod the claim is allocated for and reserved by. */
  readonly pod: { readonly name: string; readonly uid: string };
  readonly pool: string;
  readonly device: string;
  readonly toleration?: RawToleration;
  /** Breaks `status.reservedFor`: the claim fails projection and has no fallback. */
  readonly malformed?: boolean;
}

export function rawClaim(c: ClaimSpec) {
  const tolerations =
    c.toleration === undefined
      ? []
      : [
          {
            key: TAINT_KEY,
            operator: 'Exists',
            effect: 'NoExecute',
            ...(c.toleration.seconds === null ? {} : { tolerationSeconds: c.toleration.seconds }),
          },
        ];
  return {
    apiVersion: 'resource.k8s.io/v1',
    kind: 'ResourceClaim',
    metadata: { name: c.name, namespace: NAMESPACE, uid: c.uid },
    spec: { devices: { requests: [{ name: 'gpu' }] } },
    status: {
      allocation: {
        devices: { results: [{ request: 'gpu', driver: DRIVER, pool: c.pool, device: c.device, tolerations }] },
      },
      reservedFor: c.malformed ? 'garbage' : [{ resource: 'pods', name: c.pod.name, uid: c.pod.uid }],
    },
  };
}

export interface PodSpec {
  readonly name: string;
  readonly uid: string;
  readonly claimName: string;
  readonly nodeName?: string;
  /** Breaks `spec.resourceClaims`: the pod fails projection and has no fallback. */
  readonly malformed?: boolean;
}

export function rawPod(p: PodSpec) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: p.name, namespace: NAMESPACE, uid: p.uid },
    spec: {
      nodeName: p.nodeName ?? 'node-1',
      containers: [{ name: 'c', image: 'x' }],
      resourceClaims: p.malformed ? 'garbage' : [{ name: 'gpu', resourceClaimName: p.claimName }],
    },
  };
}

export interface RuleSpec {
  readonly name: string;
  readonly uid: string;
  readonly effect: 'NoExecute' | 'None';
  readonly timeAdded: number;
  /** Selects one device of `DRIVER`, or every device of the driver when absent. */
  readonly device?: string;
  /** Breaks `spec.taint`: the rule fails projection and has no fallback. */
  readonly malformed?: boolean;
}

export function rawRule(r: RuleSpec) {
  return {
    apiVersion: 'resource.k8s.io/v1',
    kind: 'DeviceTaintRule',
    metadata: { name: r.name, uid: r.uid, generation: 1 },
    spec: {
      deviceSelector: { driver: DRIVER, ...(r.device === undefined ? {} : { device: r.device }) },
      taint: r.malformed ? 'garbage' : rawTaint({ effect: r.effect, timeAdded: r.timeAdded }),
    },
  };
}
