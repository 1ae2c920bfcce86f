// The load generator's own client budget (`--qps`, `--burst`), like client-go's QPS/Burst: every API
// request — reads, writes and watch starts alike — takes a token first. It keeps a load run polite on a
// shared cluster and is reported separately from the controller's budget, so a storm slowed down by
// the generator's own throttle is never mistaken for a slow controller. Discovery results are cached
// per run (draVersion/ruleVersion), so those calls do not take tokens.

import type { ApiBudget } from '../shared/apiBudget.js';
import { SharedTokenBucket } from '../shared/tokenBucket.js';
import type { ListResult, LoadCluster, WatchEvent, WatchHandle } from './cluster.js';

export interface ClientBudgetStats {
  readonly qps: number;
  readonly burst: number;
  /** Requests that took a token. */
  readonly requests: number;
  /** Requests that had to wait for theirs. */
  readonly throttled: number;
  /** Total time spent waiting for tokens, ms (summed over concurrent requests). */
  readonly waitMs: number;
}

export class ThrottledLoadCluster implements LoadCluster {
  private requests = 0;
  private throttled = 0;
  private waitMs = 0;

  constructor(
    private readonly inner: LoadCluster,
    private readonly config: { readonly qps: number; readonly burst: number },
    private readonly bucket: ApiBudget = new SharedTokenBucket(SharedTokenBucket.createSpec(config)),
    private readonly now: () => number = Date.now,
  ) {}

  stats(): ClientBudgetStats {
    return { ...this.config, requests: this.requests, throttled: this.throttled, waitMs: this.waitMs };
  }

  private async take(): Promise<void> {
    this.requests++;
    if (this.bucket.tryAcquire()) return;
    this.throttled++;
    const start = this.now();
    await this.bucket.acquire();
    this.waitMs += this.now() - start;
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    await this.take();
    return fn();
  }

  ensureNamespace(name: string, labels: Readonly<Record<string, string>>): Promise<boolean> {
    return this.call(() => this.inner.ensureNamespace(name, labels));
  }
  deleteNamespace(name: string): Promise<void> {
    return this.call(() => this.inner.deleteNamespace(name));
  }
  createNode(body: object): Promise<boolean> {
    return this.call(() => this.inner.createNode(body));
  }
  deleteNode(name: string): Promise<void> {
    return this.call(() => this.inner.deleteNode(name));
  }
  listNodes(labelSelector?: string): Promise<ListResult> {
    return this.call(() => this.inner.listNodes(labelSelector));
  }
  draVersion(): Promise<string> {
    return this.inner.draVersion();
  }
  ruleVersion(): Promise<string | null> {
    return this.inner.ruleVersion();
  }
  createSlice(body: object): Promise<unknown> {
    return this.call(() => this.inner.createSlice(body));
  }
  patchSlice(name: string, patch: object): Promise<unknown> {
    return this.call(() => this.inner.patchSlice(name, patch));
  }
  deleteSlice(name: string): Promise<void> {
    return this.call(() => this.inner.deleteSlice(name));
  }
  listSlices(labelSelector?: string): Promise<ListResult> {
    return this.call(() => this.inner.listSlices(labelSelector));
  }
  createClaim(namespace: string, body: object): Promise<unknown> {
    return this.call(() => this.inner.createClaim(namespace, body));
  }
  patchClaimStatus(namespace: string, name: string, patch: object): Promise<unknown> {
    return this.call(() => this.inner.patchClaimStatus(namespace, name, patch));
  }
  deleteClaim(namespace: string, name: string): Promise<void> {
    return this.call(() => this.inner.deleteClaim(namespace, name));
  }
  listClaims(namespace: string, labelSelector?: string): Promise<ListResult> {
    return this.call(() => this.inner.listClaims(namespace, labelSelector));
  }
  createPod(namespace: string, body: object): Promise<{ readonly uid: string }> {
    return this.call(() => this.inner.createPod(namespace, body));
  }
  deletePod(namespace: string, name: string): Promise<void> {
    return this.call(() => this.inner.deletePod(namespace, name));
  }
  listPods(namespace: string, labelSelector?: string): Promise<ListResult> {
    return this.call(() => this.inner.listPods(namespace, labelSelector));
  }
  listEvents(namespace: string): Promise<ListResult> {
    return this.call(() => this.inner.listEvents(namespace));
  }
  createRule(body: object): Promise<unknown> {
    return this.call(() => this.inner.createRule(body));
  }
  patchRule(name: string, patch: object): Promise<unknown> {
    return this.call(() => this.inner.patchRule(name, patch));
  }
  getRule(name: string): Promise<unknown> {
    return this.call(() => this.inner.getRule(name));
  }
  deleteRule(name: string): Promise<void> {
    return this.call(() => this.inner.deleteRule(name));
  }
  watch(
    path: string,
    query: Readonly<Record<string, string | number | boolean>>,
    onEvent: (event: WatchEvent) => void,
    onDone: (err: unknown) => void,
  ): Promise<WatchHandle> {
    return this.call(() => this.inner.watch(path, query, onEvent, onDone));
  }
}
