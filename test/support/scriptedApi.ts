// An in-memory apiserver behind the ReadTransport interface, for driving real Reflectors (and the
// InformerSet) deterministically: every collection holds raw objects, writes assign resourceVersions,
// lists are paginated snapshots in key order, and watch events are handed over only when the test
// says so — several lines in one synchronous loop, as they arrive when a network chunk holds several
// events. `expire` ends a watch with 410 Gone, so the reflector relists what the collection holds now
// (writes made meanwhile without delivering their lines are the events a disconnected watch missed).

import type { Query, ReadTransport } from '../../src/kube/readTransport.js';

type RawObject = Record<string, unknown> & { metadata: Record<string, unknown> };

/** One watch event for one collection, serialized as the apiserver sends it. */
export interface WatchLine {
  readonly path: string;
  readonly line: string;
}

interface Collection {
  readonly objects: Map<string, RawObject>;
  stream: { readonly onLine: (line: string) => void } | null;
  /** Resolved when the next watch on this collection opens. */
  waiters: (() => void)[];
}

const keyOfRaw = (o: RawObject): string => {
  const ns = o.metadata.namespace;
  const name = String(o.metadata.name);
  return typeof ns === 'string' && ns !== '' ? `${ns}/${name}` : name;
};

export class ScriptedApi implements ReadTransport {
  /** Query of every list page served, by path. */
  readonly listQueries: { path: string; query: Query }[] = [];
  private rv = 100;
  private readonly collections = new Map<string, Collection>();

  constructor(paths: Iterable<string>) {
    for (const p of paths) this.collections.set(p, { objects: new Map(), stream: null, waiters: [] });
  }

  /** Stores a copy of `raw` under a new resourceVersion; returns the watch line that reports it. */
  put(path: string, raw: object): WatchLine {
    const c = this.collection(path);
    const obj = structuredClone(raw) as RawObject;
    obj.metadata = { ...obj.metadata, resourceVersion: String(++this.rv) };
    const key = keyOfRaw(obj);
    const type = c.objects.has(key) ? 'MODIFIED' : 'ADDED';
    c.objects.set(key, obj);
    return { path, line: JSON.stringify({ type, object: obj }) };
  }

  /** Deletes the object `key`; returns the watch line that reports it (null when there was none). */
  remove(path: string, key: string): WatchLine | null {
    const c = this.collection(path);
    const obj = c.objects.get(key);
    if (obj === undefined) return null;
    c.objects.delete(key);
    const tombstone = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++this.rv) } };
    return { path, line: JSON.stringify({ type: 'DELETED', object: tombstone }) };
  }

  /** Hands `lines` to the open watches in one synchronous loop: one network chunk, no turn in between. */
  chunk(lines: readonly (WatchLine | null)[]): void {
    for (const l of lines) {
      if (l === null) continue;
      const stream = this.collection(l.path).stream;
      if (stream === null) throw new Error(`no watch open on ${l.path}`);
      stream.onLine(l.line);
    }
  }

  /** Ends the watch on `path` with 410 Gone; resolves when the reflector has relisted and watches again. */
  expire(path: string): Promise<void> {
    const c = this.collection(path);
    if (c.stream === null) throw new Error(`no watch open on ${path}`);
    const reopened = this.nextWatch(path);
    c.stream.onLine(
      JSON.stringify({
        type: 'ERROR',
        object: {
          kind: 'Status',
          status: 'Failure',
          code: 410,
          reason: 'Expired',
          message: 'too old resource version',
        },
      }),
    );
    return reopened;
  }

  /** Resolves when a watch on `path` is open (now or later). */
  watching(path: string): Promise<void> {
    return this.collection(path).stream !== null ? Promise.resolve() : this.nextWatch(path);
  }

  /** The stored raw objects of `path`, in key order (copies). */
  objects(path: string): RawObject[] {
    return this.sorted(path).map((o) => structuredClone(o));
  }

  // ---- ReadTransport

  getJson(path: string, query: Query = {}): Promise<unknown> {
    this.listQueries.push({ path, query });
    const items = this.sorted(path);
    const limit = query.limit === undefined ? items.length : Number(query.limit);
    const from = query.continue === undefined ? 0 : Number(query.continue);
    const to = Math.min(items.length, from + limit);
    return Promise.resolve({
      metadata: { resourceVersion: String(this.rv), continue: to < items.length ? String(to) : '' },
      items: items.slice(from, to).map((o) => structuredClone(o)),
    });
  }

  stream(path: string, _query: Query, onLine: (line: string) => void, signal: AbortSignal): Promise<void> {
    const c = this.collection(path);
    return new Promise((resolve) => {
      const stream = { onLine };
      c.stream = stream;
      signal.addEventListener(
        'abort',
        () => {
          if (c.stream === stream) c.stream = null;
          resolve();
        },
        { once: true },
      );
      for (const wake of c.waiters.splice(0)) wake();
    });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private nextWatch(path: string): Promise<void> {
    return new Promise((resolve) => this.collection(path).waiters.push(resolve));
  }

  private sorted(path: string): RawObject[] {
    return [...this.collection(path).objects.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, o]) => o);
  }

  private collection(path: string): Collection {
    const c = this.collections.get(path);
    if (c === undefined) throw new Error(`unknown collection ${path}`);
    return c;
  }
}
