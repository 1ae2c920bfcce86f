// A tiny typed request helper for the write hot path (PATCH status, POST event, DELETE, SSA, Lease).
// client-node 1.4.0 opens one TCP (and TLS) connection per request; this helper sends every request over
// one keep-alive connection pool instead (see keepAlive.ts and bench/http.ts for the measurement).
// Errors come back as one typed `ApiError`, so callers decide on `code` alone: the executor maps 404/409
// to "gone" and lets everything else bubble up to the queue's retry with backoff.

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export const contentTypes = {
  json: 'application/json',
  strategicMerge: 'application/strategic-merge-patch+json',
  mergePatch: 'application/merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

export interface ApiRequest {
  readonly method: HttpMethod;
  /** Absolute API path, e.g. `/api/v1/namespaces/default/pods/p/status` (the server URL's path is prefixed). */
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  /** Serialised as JSON (also for apply patches: JSON is YAML). */
  readonly body?: unknown;
  /** Defaults to `application/json` when there is a body. */
  readonly contentType?: string;
  /**
   * Deadline of the whole call, Retry-After waits included; a call past it fails with `ApiError` code 0
   * (retryable).
   */
  readonly timeoutMs?: number;
  /** Aborts the call (and any Retry-After wait) at once, e.g. when leadership is lost. */
  readonly signal?: AbortSignal;
  /**
   * Asked before a retry that a server's Retry-After invited: false gives up and surfaces the error
   * (e.g. the eviction was cancelled meanwhile, or the write permission expired).
   */
  readonly mayRetry?: () => boolean;
  /**
   * `true`: the caller does not read a successful response's body, so it is not parsed (a DELETE or a
   * status PATCH answers with the whole pod). Error bodies are always parsed. Default false.
   */
  readonly ignoreResponseBody?: boolean;
}

export interface ApiResponse {
  readonly status: number;
  /** Parsed JSON body, or `null` when the body is empty or not JSON. */
  readonly body: unknown;
}

/**
 * Any failed request. `code` is the HTTP status, or 0 when no response arrived (connection refused,
 * reset, timeout). `reason` is the Kubernetes `Status.reason` (`NotFound`, `Conflict`, ...) when the
 * server sent one, else a short transport description.
 */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly retryAfterSeconds: number | null = null,
    /** `details.causes[].field` of the Status, e.g. `metadata.uid` for an immutable-field violation. */
    readonly causeFields: readonly string[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }

  get isNotFound(): boolean {
    return this.code === 404;
  }

  get isConflict(): boolean {
    return this.code === 409;
  }
}

/**
 * The object we meant is not there any more: 404 (deleted), 409 (a DELETE's or PUT's UID precondition:
 * the name belongs to another object now), or 422 on `metadata.uid` (a patch that carried our UID met a
 * same-name replacement: kube-apiserver keeps the body's UID on the patched object, and
 * ValidateObjectMetaAccessorUpdate rejects the changed immutable field).
 */
export const isGoneOrReplaced = (err: unknown): boolean =>
  err instanceof ApiError &&
  (err.code === 404 || err.code === 409 || (err.code === 422 && err.causeFields.includes('metadata.uid')));

/** Observes every finished call, e.g. to count API calls by verb and code for metrics. */
export type ApiCallObserver = (method: HttpMethod, path: string, code: number) => void;

export interface ApiClient {
  /** Resolves for 2xx responses; rejects with `ApiError` for everything else. */
  request(req: ApiRequest): Promise<ApiResponse>;
  close(): Promise<void>;
}

/** Reads `.reason`/`.message`/`.details.causes[].field` of a Kubernetes `Status` body without trusting its shape. */
export function statusFields(body: unknown): { reason: string; message: string; causeFields: string[] } {
  if (typeof body !== 'object' || body === null) return { reason: '', message: '', causeFields: [] };
  const record = body as Record<string, unknown>;
  const causeFields: string[] = [];
  const details = record.details;
  if (typeof details === 'object' && details !== null) {
    const causes = (details as Record<string, unknown>).causes;
    if (Array.isArray(causes))
      for (const cause of causes)
        if (typeof cause === 'object' && cause !== null) {
          const field = (cause as Record<string, unknown>).field;
          if (typeof field === 'string') causeFields.push(field);
        }
  }
  return {
    reason: typeof record.reason === 'string' ? record.reason : '',
    message: typeof record.message === 'string' ? record.message : '',
    causeFields,
  };
}

/** `Retry-After` in seconds (the apiserver only sends the integer form). */
export function parseRetryAfter(header: string | string[] | undefined): number | null {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return null;
  const seconds = Number.parseInt(value, 10);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : null;
}

/** Builds the error for a non-2xx response. */
export function errorFromResponse(status: number, body: unknown, retryAfter: number | null): ApiError {
  const { reason, message, causeFields } = statusFields(body);
  return new ApiError(
    status,
    reason || `HTTP${status}`,
    message || `request failed with HTTP ${status}`,
    retryAfter,
    causeFields,
  );
}

/**
 * Whether client-go would wait and send the request again: a 429, or a 5xx that carries Retry-After
 * (rest.Request's checkWait / IsNextRetry: the server asked us to come back, it did not act on the request).
 */
export const isRetryAfterResponse = (status: number, retryAfterSeconds: number | null): boolean =>
  retryAfterSeconds !== null && (status === 429 || (status >= 500 && status <= 599));

/** client-go's maxRetries for Retry-After responses. */
export const MAX_RETRY_AFTER_ATTEMPTS = 10;
/** Longest single Retry-After wait honoured inside one call; a longer request is surfaced to the caller. */
export const MAX_RETRY_AFTER_WAIT_MS = 60_000;

/** Wraps a transport failure (no HTTP response) as a retryable `ApiError` with code 0. */
export function transportError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const message = err instanceof Error ? err.message : String(err);
  // Node system errors carry a string code (ECONNREFUSED, ECONNRESET, UND_ERR_*); an aborted request
  // (AbortSignal.timeout) is a DOMException whose name says TimeoutError.
  let reason = 'Transport';
  if (typeof err === 'object' && err !== null) {
    const { code, name } = err as { code?: unknown; name?: unknown };
    if (typeof code === 'string') reason = code;
    else if (typeof name === 'string' && name !== 'Error') reason = name;
  }
  return new ApiError(0, reason, message);
}

/** `{metadata: {deletionTimestamp}}` of a response object, if set. */
export function deletionTimestampOf(body: unknown): string | null {
  if (typeof body !== 'object' || body === null) return null;
  const metadata = (body as Record<string, unknown>).metadata;
  if (typeof metadata !== 'object' || metadata === null) return null;
  const ts = (metadata as Record<string, unknown>).deletionTimestamp;
  return typeof ts === 'string' && ts !== '' ? ts : null;
}

/** Kubernetes `metav1.Time`: RFC3339 with second precision. */
export const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Kubernetes `metav1.MicroTime`: RFC3339 with microseconds (ms precision padded). */
export const rfc3339Micro = (ms: number): string => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
