// An in-memory apiserver for one Lease, on a FakeClock, with per-client fault rules: slow requests,
// requests that hang until their AbortSignal fires or their `timeoutMs` passes (as the keep-alive
// client's AbortSignal.timeout would), requests that commit but whose response never arrives, and
// injected errors (409, 500, 429 + Retry-After). Every call is recorded with its virtual timestamps.

import {
  type ApiClient,
  ApiError,
  type ApiRequest,
  type ApiResponse,
  type HttpMethod,
} from '../../src/kube/apiClient.js';
import type { FakeClock } from '../../src/shared/clock.js';

type JsonObject = Record<string, unknown>;

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface FakeCall {
  readonly seq: number;
  readonly client: string;
  readonly method: HttpMethod;
  readonly path: string;
  readonly timeoutMs: number | undefined;
  readonly hasSignal: boolean;
  readonly startedAt: number;
  readonly body: unknown;
  /** 'pending' until it settles. */
  outcome: 'pending' | 'ok' | 'error' | 'aborted' | 'timedOut';
  settledAt: number | null;
  status: number | null;
  /** Whether the server applied it (a hang-after-commit applies it and never answers). */
  committed: boolean;
}

export interface Behaviour {
  /** Latency before the server handles it (and answers). */
  readonly delayMs?: number;
  /** 'beforeCommit': never reaches the server; 'afterCommit': applied, the answer is lost. Both settle only on abort/timeout. */
  readonly hang?: 'beforeCommit' | 'afterCommit';
  /** Answer with this error instead of handling it. */
  readonly error?: ApiError;
}

export type Rule = (call: FakeCall) => Behaviour | undefined;

export const conflict = (): ApiError =>
  new ApiError(409, 'Conflict', 'the object has been modified; please apply your changes to the latest version');
export const internalError = (): ApiError => new ApiError(500, 'InternalError', 'injected');
export const tooManyRequests = (retryAfterSeconds: number): ApiError =>
  new ApiError(429, 'TooManyRequests', 'injected throttling', retryAfterSeconds);

export class FakeLeaseClient implements ApiClient {
  rule: Rule | undefined;
  constructor(
    private readonly server: FakeLeaseServer,
    readonly name: string,
    rule?: Rule,
  ) {
    this.rule = rule;
  }
  request(req: ApiRequest): Promise<ApiResponse> {
    return this.server.handle(this, req);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  calls(method?: HttpMethod): FakeCall[] {
    return this.server.calls.filter((c) => c.client === this.name && (method === undefined || c.method === method));
  }
}

export class FakeLeaseServer {
  private lease: JsonObject | null = null;
  private rv = 0;
  readonly calls: FakeCall[] = [];
  /** Virtual time of every change of the stored Lease (any writer). */
  readonly writes: { at: number; by: string; spec: LeaseSpec }[] = [];
  /** Runs after each committed write through a client (e.g. to let "another controller" touch metadata). */
  afterCommit: ((call: FakeCall) => void) | undefined;

  constructor(
    readonly clock: FakeClock,
    readonly namespace = 'kube-system',
    readonly name = 'device-taint-evictor',
  ) {}

  client(name: string, rule?: Rule): FakeLeaseClient {
    return new FakeLeaseClient(this, name, rule);
  }

  get objectPath(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${this.namespace}/leases/${this.name}`;
  }

  spec(): LeaseSpec | undefined {
    return this.lease === null ? undefined : structuredClone(this.lease.spec as LeaseSpec);
  }

  resourceVersion(): string | undefined {
    return this.lease === null ? undefined : String(this.rv);
  }

  /** Another actor writes the Lease directly (creating it if needed). */
  writeSpec(spec: LeaseSpec, by = 'external'): void {
    const base = this.lease ?? {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: this.name, namespace: this.namespace, uid: 'lease-uid' },
      spec: {},
    };
    this.store({ ...base, spec: { ...(base.spec as LeaseSpec), ...spec } }, by);
  }

  /** Another actor changes only metadata (a label): bumps resourceVersion, spec unchanged. */
  touchMetadata(): void {
    if (this.lease === null) return;
    const meta = this.lease.metadata as JsonObject;
    const labels = { ...((meta.labels as JsonObject | undefined) ?? {}), touched: String(this.rv + 1) };
    this.lease = { ...this.lease, metadata: { ...meta, labels } };
    this.rv++;
    (this.lease.metadata as JsonObject).resourceVersion = String(this.rv);
  }

  remove(): void {
    this.lease = null;
  }

  private store(obj: JsonObject, by: string): JsonObject {
    this.rv++;
    const stored = structuredClone(obj);
    stored.metadata = { ...(stored.metadata as JsonObject), resourceVersion: String(this.rv) };
    this.lease = stored;
    this.writes.push({ at: this.clock.now(), by, spec: structuredClone(stored.spec as LeaseSpec) });
    return structuredClone(stored);
  }

  handle(client: FakeLeaseClient, req: ApiRequest): Promise<ApiResponse> {
    const signal = (req as ApiRequest & { signal?: AbortSignal }).signal;
    const call: FakeCall = {
      seq: this.calls.length,
      client: client.name,
      method: req.method,
      path: req.path,
      timeoutMs: req.timeoutMs,
      hasSignal: signal !== undefined,
      startedAt: this.clock.now(),
      body: req.body === undefined ? undefined : structuredClone(req.body),
      outcome: 'pending',
      settledAt: null,
      status: null,
      committed: false,
    };
    this.calls.push(call);
    const behaviour = client.rule?.(call) ?? {};
    return new Promise<ApiResponse>((resolve, reject) => {
      let done = false;
      const timers: ReturnType<FakeClock['setTimer']>[] = [];
      const finish = (outcome: FakeCall['outcome'], status: number | null): boolean => {
        if (done) return false;
        done = true;
        for (const t of timers) this.clock.clearTimer(t);
        signal?.removeEventListener('abort', onAbort);
        call.outcome = outcome;
        call.settledAt = this.clock.now();
        call.status = status;
        return true;
      };
      const onAbort = (): void => {
        if (finish('aborted', 0)) reject(new ApiError(0, 'AbortError', 'This operation was aborted'));
      };
      if (signal?.aborted) {
        onAbort();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      // The keep-alive client aborts on its own after timeoutMs.
      if (req.timeoutMs !== undefined)
        timers.push(
          this.clock.setTimer(() => {
            if (finish('timedOut', 0))
              reject(new ApiError(0, 'TimeoutError', 'The operation was aborted due to timeout'));
          }, req.timeoutMs),
        );
      const serve = (): void => {
        if (done) return;
        if (behaviour.error !== undefined) {
          if (finish('error', behaviour.error.code)) reject(behaviour.error);
          return;
        }
        if (behaviour.hang === 'beforeCommit') return;
        let response: ApiResponse;
        try {
          response = this.apply(call, req);
          call.committed = req.method !== 'GET';
          if (call.committed) this.afterCommit?.(call);
        } catch (err) {
          if (finish('error', err instanceof ApiError ? err.code : 0)) reject(err);
          return;
        }
        if (behaviour.hang === 'afterCommit') return;
        if (finish('ok', response.status)) resolve(response);
      };
      if (behaviour.delayMs !== undefined && behaviour.delayMs > 0)
        timers.push(this.clock.setTimer(serve, behaviour.delayMs));
      else serve();
    });
  }

  private apply(call: FakeCall, req: ApiRequest): ApiResponse {
    const collection = this.objectPath.slice(0, this.objectPath.lastIndexOf('/'));
    if (req.method === 'GET' && req.path === this.objectPath) {
      if (this.lease === null) throw new ApiError(404, 'NotFound', `leases "${this.name}" not found`);
      return { status: 200, body: structuredClone(this.lease) };
    }
    if (req.method === 'POST' && req.path === collection) {
      if (this.lease !== null) throw new ApiError(409, 'AlreadyExists', `leases "${this.name}" already exists`);
      return { status: 201, body: this.store(req.body as JsonObject, call.client) };
    }
    if (req.method === 'PUT' && req.path === this.objectPath) {
      if (this.lease === null) throw new ApiError(404, 'NotFound', `leases "${this.name}" not found`);
      const body = req.body as JsonObject;
      const rv = (body.metadata as JsonObject | undefined)?.resourceVersion;
      if (rv !== String(this.rv)) throw conflict();
      return { status: 200, body: this.store(body, call.client) };
    }
    throw new ApiError(404, 'NotFound', `no route for ${req.method} ${req.path}`);
  }
}
