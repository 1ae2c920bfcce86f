// How the read side classifies failures. There are only two kinds that change what the reflector
// does: "Gone" (the resourceVersion we hold fell out of the server's history → relist) and everything
// else (back off and try again; a reflector never gives up).

import { ApiError, errorFromResponse } from './apiClient.js';

/** HTTP 410, or a Status with reason Expired/Gone (the apiserver uses both for "too old resourceVersion"). */
export function isGone(err: unknown): boolean {
  return err instanceof ApiError && (err.code === 410 || err.reason === 'Expired' || err.reason === 'Gone');
}

/** A `type: ERROR` watch event carries a metav1.Status as its object. */
export function errorFromWatchStatus(status: unknown): ApiError {
  const code =
    typeof status === 'object' && status !== null && typeof (status as { code?: unknown }).code === 'number'
      ? (status as { code: number }).code
      : 500;
  return errorFromResponse(code, status, null);
}

/** One log-friendly line for any error. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError)
    return `${err.code === 0 ? 'transport' : `HTTP ${err.code}`} ${err.reason}: ${err.message}`;
  if (err instanceof Error) return err.message;
  return String(err);
}
