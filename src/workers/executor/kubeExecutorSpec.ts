// How a shard worker builds its own Kubernetes executor. A KubeConfig object cannot cross a thread
// boundary, so the main thread exports it (client-node's `exportConfig`, which keeps file references
// such as a rotating service-account token path) into plain data for `workerData`, and each worker
// opens its own keep-alive pool from it: connections are per thread anyway.

import { KubeConfig } from '@kubernetes/client-node';
import type { ApiCallObserver, ApiClient } from '../../kube/apiClient.js';
import { KeepAliveApiClient } from '../../kube/keepAlive.js';
import type { ApiBudget } from '../../shared/apiBudget.js';
import type { Clock } from '../../shared/clock.js';
import type { EvictionExecutor } from '../../shared/executor.js';
import type { Logger } from '../../shared/logger.js';
import type { WriteFence } from '../../shared/writeFence.js';
import { DryRunEvictionExecutor, KubeEvictionExecutor } from './kubeExecutor.js';

/** Structured-clonable; goes into `KubeExecutorSpec.options` (src/workers/executorFactory.ts). */
export interface KubeExecutorWorkerOptions {
  /** `KubeConfig.exportConfig()` of the main thread's config (current context already selected). */
  readonly kubeconfig: string;
  readonly dryRun: boolean;
  readonly requestTimeoutMs: number;
  /** Keep-alive connections of this worker's pool. */
  readonly connections: number;
  readonly reportingInstance: string;
  /** User-Agent of every request this worker sends. */
  readonly userAgent: string;
}

export function kubeExecutorWorkerOptions(
  kc: KubeConfig,
  options: Partial<Omit<KubeExecutorWorkerOptions, 'kubeconfig'>> = {},
): KubeExecutorWorkerOptions {
  return {
    kubeconfig: kc.exportConfig(),
    dryRun: options.dryRun ?? false,
    requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    connections: options.connections ?? 16,
    reportingInstance: options.reportingInstance ?? '',
    userAgent: options.userAgent ?? 'device-taint-evictor',
  };
}

export function isKubeExecutorWorkerOptions(value: unknown): value is KubeExecutorWorkerOptions {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.kubeconfig === 'string' &&
    typeof v.dryRun === 'boolean' &&
    typeof v.requestTimeoutMs === 'number' &&
    v.requestTimeoutMs > 0 &&
    Number.isInteger(v.connections) &&
    (v.connections as number) > 0 &&
    typeof v.reportingInstance === 'string' &&
    typeof v.userAgent === 'string'
  );
}

export interface KubeExecutorContext {
  readonly clock: Clock;
  readonly budget: ApiBudget;
  readonly fence?: WriteFence;
  readonly log: Logger;
  /** Counts calls for metrics (e.g. `ApiCallCounter.observe`). */
  readonly onCall?: ApiCallObserver;
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
  const kc = new KubeConfig();
  kc.loadFromString(options.kubeconfig);
  const api: ApiClient = await KeepAliveApiClient.fromKubeConfig(kc, {
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
  });
  return { executor, settle: (timeoutMs) => executor.settle(timeoutMs), close: () => api.close() };
}
