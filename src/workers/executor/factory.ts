// Builds the eviction executor a partition runs against from a serializable spec. Specs travel in
// `workerData`, so they hold only structured-clonable data (numbers, strings, SharedArrayBuffers): each
// worker builds its own executor (its own HTTP pool, its own PRNG) from the same spec.

import type { CredentialSource } from '../../kube/connection.js';
import type { ApiBudget } from '../../shared/apiBudget.js';
import type { Clock } from '../../shared/clock.js';
import type { EvictionExecutor } from '../../shared/executor.js';
import type { Logger } from '../../shared/logger.js';
import type { WriteFence } from '../../shared/writeFence.js';
import { FakeExecutor, type FakeExecutorSpec } from './fakeExecutor.js';

/**
 * The real Kubernetes executor (src/kube). `options` is a `KubeExecutorWorkerOptions` (connection target,
 * timeouts, dry run) built on the main thread by `kubeExecutorWorkerOptions`; each worker opens its own
 * connection pool from it, with the credentials of `ExecutorContext.credentials`.
 */
export interface KubeExecutorSpec {
  readonly kind: 'kube';
  readonly options: Readonly<Record<string, unknown>>;
}

export type ExecutorSpec = FakeExecutorSpec | KubeExecutorSpec;

export interface ExecutorContext {
  readonly clock: Clock;
  /** The process-wide API budget (a SharedTokenBucket joined by this thread). */
  readonly budget: ApiBudget;
  /** The process's write permission (leader lease), joined by this thread. */
  readonly fence: WriteFence;
  readonly log: Logger;
  /** Which shard this executor serves (for log fields). */
  readonly shard: number;
  /** Sees every API call the executor makes (verb, path, HTTP code; 0 = no response), for metrics. */
  readonly onCall?: (verb: string, path: string, code: number) => void;
  /** The main thread's API credentials as pushed to this thread (absent when it was given none). */
  readonly credentials?: CredentialSource;
}

/** An executor plus whatever it holds open (connection pools), released when the worker stops. */
export interface ExecutorHandle {
  readonly executor: EvictionExecutor;
  /** Waits at most `timeoutMs` for best-effort writes still in flight (events after a DELETE). */
  settle(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export async function createExecutor(spec: ExecutorSpec, context: ExecutorContext): Promise<ExecutorHandle> {
  switch (spec.kind) {
    case 'fake':
      return {
        executor: new FakeExecutor(spec, { clock: context.clock, budget: context.budget }),
        settle: async () => {},
        close: async () => {},
      };
    case 'kube': {
      // Imported on demand: threads running the fake executor never load the HTTP client.
      const { buildKubeExecutor, isKubeExecutorWorkerOptions } = await import('./kubeExecutorSpec.js');
      if (!isKubeExecutorWorkerOptions(spec.options)) throw new Error('invalid kube executor options');
      return buildKubeExecutor(spec.options, {
        clock: context.clock,
        budget: context.budget,
        fence: context.fence,
        log: context.log,
        ...(context.onCall !== undefined ? { onCall: context.onCall } : {}),
        ...(context.credentials !== undefined ? { credentials: context.credentials } : {}),
      });
    }
    default: {
      const unknownSpec: never = spec;
      throw new Error(`unknown executor kind ${JSON.stringify((unknownSpec as { kind?: unknown }).kind)}`);
    }
  }
}

/** Boundary check for specs arriving in workerData. */
export function isExecutorSpec(value: unknown): value is ExecutorSpec {
  if (typeof value !== 'object' || value === null) return false;
  const kind = (value as { kind?: unknown }).kind;
  if (kind === 'fake') return true;
  if (kind === 'kube') {
    const options = (value as { options?: unknown }).options;
    return typeof options === 'object' && options !== null;
  }
  return false;
}
