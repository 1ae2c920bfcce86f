// A scripted ReadTransport for reflector unit tests: lists are answered by a function of the query,
// watches are handles the test drives (send events, close, fail), so every interleaving is explicit.

import { ApiError } from '../../src/kube/apiClient.js';
import type { Query, ReadTransport } from '../../src/kube/readTransport.js';

export class FakeWatch {
  readonly done: Promise<void>;
  private resolveDone: () => void = () => {};
  private rejectDone: (err: unknown) => void = () => {};
  ended = false;

  constructor(
    readonly query: Query,
    private readonly onLine: (line: string) => void,
    readonly signal: AbortSignal,
  ) {
    this.done = new Promise((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    signal.addEventListener('abort', () => this.close(), { once: true });
  }

  send(type: string, object: unknown): void {
    this.line(JSON.stringify({ type, object }));
  }

  line(text: string): void {
    if (this.ended) throw new Error('watch already ended');
    this.onLine(text);
  }

  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.resolveDone();
  }

  fail(err: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.rejectDone(err);
  }
}

export type ListHandler = (query: Query) => unknown;

export class FakeReadTransport implements ReadTransport {
  readonly listQueries: Query[] = [];
  readonly watches: FakeWatch[] = [];
  /** Return a list body, or throw an ApiError. */
  onList: ListHandler = () => ({ metadata: { resourceVersion: '1' }, items: [] });
  /** When set, a watch request fails with this error instead of opening. */
  watchError: ApiError | null = null;

  getJson(_path: string, query: Query = {}): Promise<unknown> {
    this.listQueries.push(query);
    return Promise.resolve().then(() => this.onList(query));
  }

  stream(_path: string, query: Query, onLine: (line: string) => void, signal: AbortSignal): Promise<void> {
    if (this.watchError !== null) return Promise.reject(this.watchError);
    const w = new FakeWatch(query, onLine, signal);
    this.watches.push(w);
    return w.done;
  }

  get lastWatch(): FakeWatch {
    const w = this.watches.at(-1);
    if (w === undefined) throw new Error('no watch opened yet');
    return w;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

export const httpError = (code: number, reason: string): ApiError => new ApiError(code, reason, `${reason} (${code})`);
