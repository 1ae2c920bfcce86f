// Counts that worker threads accumulate and hand to the main thread, which owns the one prom-client
// registry. Workers send *deltas* (counts since their last report), not totals: the main thread's
// counters then stay monotonic across a worker crash and respawn, which per-worker registries merged
// with prom-client's AggregatorRegistry would not (a restarted worker's counters start again at 0 and
// a scrape would need an async round trip to every worker, including a stuck one).

export interface ApiCallCount {
  /** HTTP method, upper case. */
  readonly verb: string;
  /** Resource (plus subresource), e.g. `pods/status`, `events`, `leases`. */
  readonly resource: string;
  /** HTTP status code, or 0 when no response arrived. */
  readonly code: number;
  readonly count: number;
}

export interface MetricsDelta {
  readonly apiCalls: readonly ApiCallCount[];
}

export const emptyMetricsDelta: MetricsDelta = { apiCalls: [] };

/**
 * Resource of an API path, without names or namespaces: `/api/v1/namespaces/ns/pods/p/status` →
 * `pods/status`; `/apis/resource.k8s.io/v1/devicetaintrules/r/status` → `devicetaintrules/status`.
 * Keeps metric label cardinality bounded by the number of resources.
 */
export function resourceOfPath(path: string): string {
  const clean = path.split('?')[0] ?? '';
  const parts = clean.split('/').filter((p) => p !== '');
  // Skip `api/<version>` or `apis/<group>/<version>`.
  let i = parts[0] === 'api' ? 2 : parts[0] === 'apis' ? 3 : 0;
  if (parts[i] === 'namespaces' && parts.length > i + 2) i += 2;
  const resource = parts[i] ?? 'unknown';
  const subresource = parts[i + 2];
  return subresource === undefined ? resource : `${resource}/${subresource}`;
}

/** Accumulates API call counts in one thread; `take()` returns and resets them. */
export class ApiCallCounter {
  private counts = new Map<string, ApiCallCount>();

  record(verb: string, resource: string, code: number): void {
    const key = `${verb} ${resource} ${code}`;
    const prev = this.counts.get(key);
    this.counts.set(key, { verb, resource, code, count: (prev?.count ?? 0) + 1 });
  }

  /** Observer for `ApiClient` options: counts by the path's resource. */
  readonly observe = (verb: string, path: string, code: number): void => {
    this.record(verb, resourceOfPath(path), code);
  };

  take(): MetricsDelta {
    if (this.counts.size === 0) return emptyMetricsDelta;
    const apiCalls = [...this.counts.values()];
    this.counts = new Map();
    return { apiCalls };
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Guard for a delta received from another thread: structured clone keeps data, not its shape. */
export function isMetricsDelta(value: unknown): value is MetricsDelta {
  if (!isRecord(value) || !Array.isArray(value.apiCalls)) return false;
  for (const item of value.apiCalls) {
    if (!isRecord(item)) return false;
    if (typeof item.verb !== 'string' || typeof item.resource !== 'string') return false;
    if (!Number.isInteger(item.code) || !Number.isInteger(item.count) || (item.count as number) < 0) return false;
  }
  return true;
}
