// One open watch stream: newline-delimited JSON events over a chunked response, with bookmarks,
// `timeoutSeconds` and closing of consumers that stop reading (as the apiserver's cacher does).

import type { ServerResponse } from 'node:http';
import { fromStorage, isStorageVersion } from './conversion.js';
import type { StoredEntry } from './entry.js';
import type { EventType } from './history.js';
import type { JsonObject } from './json.js';
import { apiVersionOf, type ResourceDef } from './resources.js';
import { entryObject, type WatchHandle } from './store.js';

/** A watcher whose unread output exceeds this is closed instead of buffering without bound. */
const MAX_BUFFERED_BYTES = 256 * 1024 * 1024;

const prefixes: Record<EventType, Buffer> = {
  ADDED: Buffer.from('{"type":"ADDED","object":'),
  MODIFIED: Buffer.from('{"type":"MODIFIED","object":'),
  DELETED: Buffer.from('{"type":"DELETED","object":'),
};
const suffix = Buffer.from('}\n');

export class WatchSession {
  private handle: WatchHandle | undefined;
  private timers: NodeJS.Timeout[] = [];
  private closed = false;
  private readonly direct: boolean;

  constructor(
    private readonly res: ServerResponse,
    private readonly def: ResourceDef,
    private readonly version: string,
    private readonly onClose: (s: WatchSession) => void,
    /** Server-side transformation of each event's object (a one-row Table for `kubectl get -w`). */
    private readonly transform?: (obj: JsonObject) => JsonObject,
  ) {
    this.direct = isStorageVersion(def, version) && transform === undefined;
    res.on('close', () => this.close());
  }

  start(
    subscribe: (listener: (type: EventType, e: StoredEntry) => void) => WatchHandle,
    opts: { bookmarkMs: number | undefined; timeoutMs: number | undefined; currentRv: () => number },
  ): void {
    this.res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    // Clients resolve the request on headers; without a flush a quiet watch would look hung.
    this.res.flushHeaders();
    this.handle = subscribe((type, e) => this.send(type, e));
    if (opts.bookmarkMs !== undefined) {
      const t = setInterval(() => this.bookmark(opts.currentRv()), opts.bookmarkMs);
      t.unref();
      this.timers.push(t);
    }
    if (opts.timeoutMs !== undefined) {
      const t = setTimeout(() => this.close(), opts.timeoutMs);
      t.unref();
      this.timers.push(t);
    }
  }

  send(type: EventType, e: StoredEntry): void {
    if (this.closed) return;
    if (this.direct) this.write(Buffer.concat([prefixes[type], e.json, suffix]));
    else {
      const obj = fromStorage(this.def, this.version, entryObject(e));
      this.writeEvent(type, this.transform === undefined ? obj : this.transform(obj));
    }
  }

  bookmark(rv: number, annotations?: Record<string, string>): void {
    const metadata: JsonObject = { resourceVersion: String(rv) };
    if (annotations !== undefined) metadata.annotations = annotations;
    this.writeEvent('BOOKMARK', {
      kind: this.def.kind,
      apiVersion: apiVersionOf(this.def.group, this.version),
      metadata,
    });
  }

  /** Writes an ERROR event (e.g. 410 Expired) and ends the stream, as kube-apiserver does. */
  fail(status: JsonObject): void {
    if (!this.res.headersSent) {
      this.res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    }
    this.writeEvent('ERROR', status);
    this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.handle?.stop();
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
    if (!this.res.writableEnded) this.res.end();
    this.onClose(this);
  }

  private writeEvent(type: string, object: JsonObject): void {
    if (this.closed) return;
    this.write(Buffer.from(`${JSON.stringify({ type, object })}\n`));
  }

  private write(chunk: Buffer): void {
    this.res.write(chunk);
    if (this.res.writableLength > MAX_BUFFERED_BYTES) this.close();
  }
}
