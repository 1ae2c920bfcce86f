// How a shard worker builds its own Kubernetes executor. The main thread resolves the kubeconfig once
// (client-node) into plain data: the connection target (server, TLS material) goes into the executor
// spec, the credentials (headers) into `workerData` and later `credentials` messages. Each worker opens
// its own keep-alive pool from that (connections are per thread anyway) and never loads client-node.

import type { ApiCallObserver, ApiClient } from '../../kube/apiClient.js';
import {
  ApiConnection,
  type ConnectionTarget,
  type CredentialSource,
  checkConnectionTarget,
} from '../../kube/connection.js';
import { KeepAliveApiClient } from '../../kube/keepAlive.js';
import type { ApiBudget } from '../../shared/apiBudget.js';
import type { Clock } from '../../shared/clock.js';
import type { EvictionExecutor } from '../../shared/executor.js';
import type { Logger } from '../../shared/logger.js';
import type { WriteFence } from '../../shared/writeFence.js';
import { DryRunEvictionExecutor, type EvictionMode, KubeEvictionExecutor } from './kubeExecutor.js';

/** Structured-clonable; goes into `KubeExecutorSpec.options` (src/workers/executor/factory.ts). */
export interface KubeExecutorWorkerOptions {
  /** Where the API server is and how to trust it: the main thread's `ApiConnection.target`. */
  readonly connection: ConnectionTarget;
  readonly dryRun: boolean;
  readonly requestTimeoutMs: number;
  /** Keep-alive connections of this worker's pool. */
  readonly connections: number;
  readonly reportingInstance: string;
  /** User-Agent of every request this worker sends. */
  readonly userAgent: string;
  /** `delete` (upstream) or `evict` (the eviction API, respecting disruption budgets). */
  readonly evictionMode: EvictionMode;
  /** With `evict`: how long a budget may hold an eviction before a DELETE overrules it; 0 = forever. */
  readonly evictionTimeoutMs: number;
}

export function kubeExecutorWorkerOptions(
  connection: ApiConnection,
  options: Partial<Omit<KubeExecutorWorkerOptions, 'connection'>> = {},
): KubeExecutorWorkerOptions {
  return {
    connection: connection.target,
    dryRun: options.dryRun ?? false,
    requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    connections: options.connections ?? 16,
    reportingInstance: options.reportingInstance ?? '',
    userAgent: options.userAgent ?? 'device-taint-evictor',
    evictionMode: options.evictionMode ?? 'delete',
    evictionTimeoutMs: options.evictionTimeoutMs ?? 600_000,
  };
}

export function isKubeExecutorWorkerOptions(value: unknown): value is KubeExecutorWorkerOptions {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    checkConnectionTarget(v.connection) === null &&
    typeof v.dryRun === 'boolean' &&
    typeof v.requestTimeoutMs === 'number' &&
    v.requestTimeoutMs > 0 &&
    Number.isInteger(v.connections) &&
    (v.connections as number) > 0 &&
    typeof v.reportingInstance === 'string' &&
    typeof v.userAgent === 'string' &&
    (v.evictionMode === 'delete' || v.evictionMode === 'evict') &&
    typeof v.evictionTimeoutMs === 'number' &&
    v.evictionTimeoutMs >= 0
  );
}

export interface KubeExecutorContext {
  readonly clock: Clock;
  readonly budget: ApiBudget;
  readonly fence?: WriteFence;
  readonly log: Logger;
  /** Counts calls for metrics (e.g. `ApiCallCounter.observe`). */
  readonly onCall?: ApiCallObserver;
  /** The headers to send (a worker's `PushedCredentials`); not needed in dry run. */
  readonly credentials?: CredentialSource;
}

export interface BuiltExecutor {
  readonly executor: EvictionExecutor;
  /** Waits at most `timeoutMs` for events still in flight. */
  settle(timeoutMs: number): Promise<void>;
  /** Closes the executor's connection pool (no-op in dry run). */
  close(): Promise<void>;
}

export async function buildKubeExecutor(
  options: KubeExecutorWorkerOptions,
  context: KubeExecutorContext,
): Promise<BuiltExecutor> {
  if (options.dryRun)
    return { executor: new DryRunEvictionExecutor(context.log), settle: async () => {}, close: async () => {} };
  if (context.credentials === undefined) throw new Error('the kube executor needs API credentials');
  const api: ApiClient = new KeepAliveApiClient(new ApiConnection(options.connection, context.credentials), {
    connections: options.connections,
    timeoutMs: options.requestTimeoutMs,
    userAgent: options.userAgent,
    onCall: context.onCall,
    clock: context.clock,
  });
  const executor = new KubeEvictionExecutor({
    api,
    budget: context.budget,
    clock: context.clock,
    log: context.log,
    ...(context.fence === undefined ? {} : { fence: context.fence }),
    reportingInstance: options.reportingInstance,
    requestTimeoutMs: options.requestTimeoutMs,
    evictionMode: options.evictionMode,
    evictionTimeoutMs: options.evictionTimeoutMs,
  });
  return { executor, settle: (timeoutMs) => executor.settle(timeoutMs), close: () => api.close() };
}
