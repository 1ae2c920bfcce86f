// What clients asked of the simulated apiserver: counters for every request, plus a bounded log of
// recent ones, so tests and benchmarks can assert e.g. "API calls per eviction".

export type SimVerb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'discovery';

export interface RequestRecord {
  readonly method: string;
  readonly path: string;
  readonly verb: SimVerb;
  /** Plural resource name ('' for discovery). */
  readonly resource: string;
  readonly group: string;
  readonly subresource: string;
  readonly namespace: string;
  readonly name: string;
  readonly code: number;
  /** Milliseconds since epoch when the response ended (or the connection closed). */
  readonly time: number;
  /** Milliseconds since epoch when the request arrived: what a write-after-deadline check must compare. */
  readonly receivedAt: number;
  /** The client's User-Agent header ('' when absent). */
  readonly userAgent: string;
  /** Who the request authenticated as (see userOfAuthorization): tells two controller processes apart. */
  readonly user: string;
}

export type RequestFilter = Partial<Pick<RequestRecord, 'verb' | 'resource' | 'group' | 'subresource' | 'code'>>;

export interface RequestLog {
  /** Requests matching every given field (all requests when empty). */
  count(filter?: RequestFilter): number;
  /** The most recent requests, oldest first (at most `capacity`). */
  recent(filter?: RequestFilter & { readonly namespace?: string; readonly name?: string }): RequestRecord[];
  /** Forgets all counters and records. */
  reset(): void;
}

const matchesFilter = (r: RequestRecord, f: Partial<RequestRecord>): boolean => {
  for (const [k, v] of Object.entries(f)) {
    if (v !== undefined && r[k as keyof RequestRecord] !== v) return false;
  }
  return true;
};

export class BoundedRequestLog implements RequestLog {
  private readonly counters = new Map<string, { readonly sample: RequestRecord; n: number }>();
  private records: RequestRecord[] = [];

  constructor(private readonly capacity = 10_000) {}

  record(r: RequestRecord): void {
    const key = `${r.verb}|${r.group}|${r.resource}|${r.subresource}|${r.code}`;
    const c = this.counters.get(key);
    if (c === undefined) this.counters.set(key, { sample: r, n: 1 });
    else c.n++;
    if (this.capacity > 0) {
      this.records.push(r);
      // Amortized trim: drop the oldest half-capacity at once instead of shifting per request.
      if (this.records.length > this.capacity * 1.5) this.records = this.records.slice(-this.capacity);
    }
  }

  count(filter: RequestFilter = {}): number {
    let n = 0;
    for (const c of this.counters.values()) if (matchesFilter(c.sample, filter)) n += c.n;
    return n;
  }

  recent(filter: Partial<RequestRecord> = {}): RequestRecord[] {
    return this.records.slice(-this.capacity).filter((r) => matchesFilter(r, filter));
  }

  reset(): void {
    this.counters.clear();
    this.records = [];
  }
}
