// The coordination.k8s.io/v1 Lease used as a leader election lock, after client-go's
// tools/leaderelection/resourcelock (leaselock.go: LeaseLock.Get/Create/Update,
// LeaseSpecToLeaderElectionRecord, LeaderElectionRecordToLeaseSpec).
//
// Like LeaseLock, it keeps the last Lease object it read or wrote and updates *that* object (full
// metadata: resourceVersion, uid, labels, annotations), so an update is an optimistic-concurrency PUT
// that fails with 409 when anybody else wrote the Lease since. The caller passes the `send` function
// for each call: the elector bounds every request by its round's deadline (see leaderElector.ts, leaseDeadlines.ts).

import { ApiError, type ApiRequest, type ApiResponse } from './apiClient.js';

/** `spec` of a Lease as leader election sees it (resourcelock.LeaderElectionRecord). */
export interface LeaderElectionRecord {
  readonly holderIdentity: string;
  readonly leaseDurationSeconds: number;
  /** RFC3339 micro; written from the writer's wall clock and never used to judge expiry. */
  readonly acquireTime: string;
  /** RFC3339 micro; written from the writer's wall clock and never used to judge expiry. */
  readonly renewTime: string;
  readonly leaseTransitions: number;
  /** Coordinated leader election fields: carried in the change detection, never written by us. */
  readonly strategy?: string;
  readonly preferredHolder?: string;
}

export type LeaseSend = (req: ApiRequest) => Promise<ApiResponse>;

type JsonObject = Record<string, unknown>;

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** LeaseSpecToLeaderElectionRecord: absent fields read as zero values, like the Go pointers. */
export function leaseRecordOf(lease: unknown): LeaderElectionRecord | null {
  if (!isObject(lease)) return null;
  const spec = isObject(lease.spec) ? lease.spec : {};
  const str = (v: unknown): string => (typeof v === 'string' ? v : '');
  const int = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : 0);
  const record: {
    -readonly [K in keyof LeaderElectionRecord]: LeaderElectionRecord[K];
  } = {
    holderIdentity: str(spec.holderIdentity),
    leaseDurationSeconds: int(spec.leaseDurationSeconds),
    acquireTime: str(spec.acquireTime),
    renewTime: str(spec.renewTime),
    leaseTransitions: int(spec.leaseTransitions),
  };
  if (str(spec.strategy) !== '') record.strategy = str(spec.strategy);
  if (str(spec.preferredHolder) !== '') record.preferredHolder = str(spec.preferredHolder);
  return record;
}

/**
 * Identity of a record for change detection. client-go compares the JSON of the record it read
 * (tryAcquireOrRenew: `bytes.Equal(le.observedRawRecord, oldLeaderElectionRawRecord)`): any change of
 * the spec, renewTime included, counts as "the holder is alive"; metadata-only changes do not.
 */
export const recordKey = (r: LeaderElectionRecord): string =>
  JSON.stringify([
    r.holderIdentity,
    r.leaseDurationSeconds,
    r.acquireTime,
    r.renewTime,
    r.leaseTransitions,
    r.strategy ?? '',
    r.preferredHolder ?? '',
  ]);

/** LeaderElectionRecordToLeaseSpec (only the fields this elector writes). */
function specOf(r: LeaderElectionRecord): JsonObject {
  return {
    holderIdentity: r.holderIdentity,
    leaseDurationSeconds: r.leaseDurationSeconds,
    acquireTime: r.acquireTime,
    renewTime: r.renewTime,
    leaseTransitions: r.leaseTransitions,
  };
}

export const isNotFound = (err: unknown): boolean => err instanceof ApiError && err.code === 404;

export class LeaseLock {
  /** The Lease as last read or written (LeaseLock.lease); updates PUT this object with a new spec. */
  private lease: JsonObject | null = null;

  constructor(
    readonly namespace: string,
    readonly name: string,
  ) {}

  /** LeaseLock.Describe. */
  describe(): string {
    return `${this.namespace}/${this.name}`;
  }

  /** True once a Get or Create succeeded: Update needs the object's resourceVersion. */
  hasLease(): boolean {
    return this.lease !== null;
  }

  private collectionPath(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(this.namespace)}/leases`;
  }

  private objectPath(): string {
    return `${this.collectionPath()}/${encodeURIComponent(this.name)}`;
  }

  private remember(body: unknown, what: string): LeaderElectionRecord {
    const record = leaseRecordOf(body);
    if (record === null || !isObject(body))
      throw new ApiError(0, 'InvalidResponse', `lease ${what} returned no object`);
    this.lease = body;
    return record;
  }

  /** LeaseLock.Get: throws ApiError (404 when the Lease does not exist). */
  async get(send: LeaseSend): Promise<LeaderElectionRecord> {
    const res = await send({ method: 'GET', path: this.objectPath() });
    return this.remember(res.body, 'get');
  }

  /** LeaseLock.Create: 409 when somebody else created it first. */
  async create(send: LeaseSend, record: LeaderElectionRecord): Promise<LeaderElectionRecord> {
    const res = await send({
      method: 'POST',
      path: this.collectionPath(),
      body: {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: this.name, namespace: this.namespace },
        spec: specOf(record),
      },
    });
    return this.remember(res.body, 'create');
  }

  /** LeaseLock.Update: PUT of the cached object with `record` as its spec; 409 if it changed since. */
  async update(send: LeaseSend, record: LeaderElectionRecord): Promise<LeaderElectionRecord> {
    const lease = this.lease;
    if (lease === null) throw new Error('lease not initialized, call get or create first');
    const res = await send({
      method: 'PUT',
      path: this.objectPath(),
      body: { ...lease, apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', spec: specOf(record) },
    });
    return this.remember(res.body, 'update');
  }
}
