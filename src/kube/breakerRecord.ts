// The blast-radius breaker's state as the cluster keeps it: a ConfigMap in the controller's namespace,
// so that a restart, a crash loop or a leader failover cannot close an open breaker by forgetting it.
// The controller writes it open (with why and what it holds); an operator closes it with
// `device-taint-evictor breaker reset`, or with kubectl:
//
//   kubectl -n <namespace> patch configmap <name> --type merge -p '{"data":{"state":"closed"}}'
//
// Writes are merge patches of `data` only (no read-modify-write of fields someone else may own), and
// a create when the ConfigMap does not exist yet.

import { type ApiClient, ApiError, contentTypes, rfc3339 } from './apiClient.js';

export const DEFAULT_BREAKER_NAME = 'device-taint-evictor-breaker';

/** How many held pods a record names (a ConfigMap holds at most 1 MiB; the count is always exact). */
export const MAX_HELD_POD_NAMES = 100;

export interface BreakerRecord {
  readonly state: 'open' | 'closed';
  /** When it opened (ms since epoch), when open or last opened. */
  readonly openedAt: number | null;
  /** One line: what made it open. */
  readonly reason: string;
  /** Evictions held when it was last written. */
  readonly heldPods: number;
  /** The rules, devices and taints behind the held evictions, most first. */
  readonly causes: readonly string[];
  /** Some of the held pods (`namespace/name`), at most MAX_HELD_POD_NAMES. */
  readonly heldPodNames: readonly string[];
  /** When and by whom it was last closed. */
  readonly resetAt: number | null;
  readonly resetBy: string;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const time = (v: unknown): number | null => {
  const t = Date.parse(str(v));
  return Number.isFinite(t) ? t : null;
};

/** Reads a ConfigMap's `data` as a breaker record; unknown or missing fields read as their zero value. */
export function breakerRecordOf(configMap: unknown): BreakerRecord | null {
  if (typeof configMap !== 'object' || configMap === null) return null;
  const data = (configMap as { data?: unknown }).data;
  const d = typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : {};
  const held = Number(str(d.heldPods));
  return {
    // Anything but an explicit "open" is closed: an operator's typo must not keep evictions held, and
    // an unreadable state is not a decision anyone made.
    state: str(d.state).trim().toLowerCase() === 'open' ? 'open' : 'closed',
    openedAt: time(d.openedAt),
    reason: str(d.reason),
    heldPods: Number.isFinite(held) ? held : 0,
    causes: stringList(d.causes),
    heldPodNames: stringList(d.heldPodNames),
    resetAt: time(d.resetAt),
    resetBy: str(d.resetBy),
  };
}

/** A JSON list of strings as stored in `data`; anything else reads as empty. */
function stringList(value: unknown): string[] {
  try {
    const parsed: unknown = JSON.parse(str(value) || '[]');
    return Array.isArray(parsed) ? parsed.filter((c): c is string => typeof c === 'string') : [];
  } catch {
    return [];
  }
}

function dataOf(record: BreakerRecord): Record<string, string> {
  return {
    state: record.state,
    openedAt: record.openedAt === null ? '' : rfc3339(record.openedAt),
    reason: record.reason,
    heldPods: String(record.heldPods),
    causes: JSON.stringify(record.causes),
    heldPodNames: JSON.stringify(record.heldPodNames.slice(0, MAX_HELD_POD_NAMES)),
    resetAt: record.resetAt === null ? '' : rfc3339(record.resetAt),
    resetBy: record.resetBy,
  };
}

export class BreakerRecordStore {
  constructor(
    private readonly api: ApiClient,
    readonly namespace: string,
    readonly name: string = DEFAULT_BREAKER_NAME,
    private readonly timeoutMs = 10_000,
  ) {}

  /** The ConfigMap's UID as last read or written (for the events about it); '' before. */
  uid = '';
  /** Its resourceVersion as last read or written; '' when there is none. */
  resourceVersion = '';

  private path(): string {
    return `/api/v1/namespaces/${encodeURIComponent(this.namespace)}/configmaps/${encodeURIComponent(this.name)}`;
  }

  /** The stored record, or null when there is none yet (never opened). */
  async read(): Promise<BreakerRecord | null> {
    try {
      const res = await this.api.request({ method: 'GET', path: this.path(), timeoutMs: this.timeoutMs });
      this.remember(res.body);
      return breakerRecordOf(res.body);
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) {
        this.resourceVersion = '';
        return null;
      }
      throw err;
    }
  }

  /**
   * Stores `record` (merge patch of `data`, or a create the first time). With `ifResourceVersion` the
   * patch carries it as a precondition: a record someone changed since it was read (an operator's
   * reset) is not overwritten; the write fails with 409 and the caller reads again.
   */
  async write(record: BreakerRecord, mayWrite: () => boolean = () => true, ifResourceVersion = ''): Promise<void> {
    try {
      const res = await this.api.request({
        method: 'PATCH',
        path: this.path(),
        contentType: contentTypes.mergePatch,
        body: {
          ...(ifResourceVersion === '' ? {} : { metadata: { resourceVersion: ifResourceVersion } }),
          data: dataOf(record),
        },
        timeoutMs: this.timeoutMs,
        mayRetry: mayWrite,
      });
      this.remember(res.body);
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404)) throw err;
      const res = await this.api.request({
        method: 'POST',
        path: `/api/v1/namespaces/${encodeURIComponent(this.namespace)}/configmaps`,
        body: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: {
            name: this.name,
            namespace: this.namespace,
            labels: { 'app.kubernetes.io/name': 'device-taint-evictor', 'app.kubernetes.io/component': 'breaker' },
          },
          data: dataOf(record),
        },
        timeoutMs: this.timeoutMs,
        mayRetry: mayWrite,
      });
      this.remember(res.body);
    }
  }

  private remember(body: unknown): void {
    if (typeof body !== 'object' || body === null) return;
    const metadata = (body as { metadata?: { uid?: unknown; resourceVersion?: unknown } }).metadata;
    if (typeof metadata?.uid === 'string') this.uid = metadata.uid;
    if (typeof metadata?.resourceVersion === 'string') this.resourceVersion = metadata.resourceVersion;
  }
}
