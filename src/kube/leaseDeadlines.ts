// Every request of a leader-election attempt ends by the attempt's deadline. client-go runs each round
// under a context with the renew deadline; here each request is aborted at min(its start + the request
// timeout, the attempt's deadline) or when the attempt is aborted, on the elector's own clock, whether
// or not the client honours the signal — so leadership, the write fence and the requests end together.

import type { Clock } from '../shared/clock.js';
import { type ApiClient, ApiError, type ApiRequest, type ApiResponse } from './apiClient.js';
import type { LeaseSend } from './leaderLeaseLock.js';

/** One tryAcquireOrRenew call: every request it makes is cut at `deadline`. */
export interface Attempt {
  readonly start: number;
  readonly deadline: number;
  readonly controller: AbortController;
}

/**
 * A `send` bound to `attempt`: each request is aborted at min(start + requestTimeout, attempt
 * deadline) or when the attempt is aborted, on the elector's own clock, whether or not the client
 * honours the signal; `timeoutMs` tells a signal-less client (KeepAliveApiClient) the same instant.
 */
export function boundedSend(
  api: ApiClient,
  clock: Clock,
  mono: () => number,
  requestTimeoutMs: number,
  attempt: Attempt,
): LeaseSend {
  return (req: ApiRequest): Promise<ApiResponse> => {
    const outer = attempt.controller.signal;
    if (outer.aborted) return Promise.reject(outer.reason);
    const timeoutMs = Math.min(requestTimeoutMs, attempt.deadline - mono());
    if (timeoutMs <= 0)
      return Promise.reject(new ApiError(0, 'DeadlineExceeded', 'leader election round deadline passed'));
    const controller = new AbortController();
    const request: ApiRequest = {
      ...req,
      timeoutMs: Math.max(1, Math.ceil(timeoutMs)),
      signal: controller.signal,
    };
    return new Promise<ApiResponse>((resolve, reject) => {
      const cleanup = (): void => {
        clock.clearTimer(timer);
        outer.removeEventListener('abort', onOuterAbort);
      };
      const abort = (reason: unknown): void => {
        cleanup();
        controller.abort(reason);
        reject(reason);
      };
      const onOuterAbort = (): void => abort(outer.reason);
      const timer = clock.setTimer(() => {
        const cause = timeoutMs < requestTimeoutMs ? 'leader election round deadline passed' : 'request timed out';
        abort(new ApiError(0, 'Timeout', `${req.method} lease: ${cause} after ${Math.round(timeoutMs)} ms`));
      }, timeoutMs);
      outer.addEventListener('abort', onOuterAbort, { once: true });
      let pending: Promise<ApiResponse>;
      try {
        pending = api.request(request);
      } catch (err) {
        pending = Promise.reject(err);
      }
      pending.then(
        (res) => {
          cleanup();
          resolve(res);
        },
        (err: unknown) => {
          cleanup();
          reject(err);
        },
      );
    });
  };
}
