// The controller's set of informers, one reflector per resource at the discovered versions, started
// and stopped together. Handlers are attached (addEventHandler) before `start`, so the initial list
// reaches them as adds; `waitForSync` is the cache-sync barrier before the controller acts on anything.

import type { Clock } from '../shared/clock.js';
import type { JitteredBackoffOptions } from '../shared/jitteredBackoff.js';
import type { Logger } from '../shared/logger.js';
import type {
  ClaimRecord,
  DeviceClassRecord,
  PodGroupRecord,
  PodRecord,
  RuleRecord,
  SliceRecord,
} from '../shared/types.js';
import type { DiscoveredResources } from './discovery.js';
import type { HandlerSlicing } from './informerStore.js';
import type { PageDecoder } from './pageDecode/pageDecoder.js';
import type { ReadTransport } from './readTransport.js';
import { Reflector, type ReflectorCounters, type ReflectorOptions } from './reflector.js';
import type { ResourceDescriptor, StoredRecord } from './resources.js';

export interface InformerOptions {
  readonly log?: Logger;
  readonly clock?: Clock;
  readonly pageSize?: number;
  readonly silentWatchMs?: number;
  readonly backoff?: JitteredBackoffOptions;
  readonly watchTimeoutSeconds?: { readonly min: number; readonly max: number };
  readonly minHealthyWatchMs?: number;
  /** Decodes every informer's list pages (see ReflectorOptions.decoder); the owner closes it. */
  readonly decoder?: PageDecoder;
  /** Spreads each large list's handler calls over event-loop turns (see ReflectorOptions.handlerSlicing). */
  readonly handlerSlicing?: HandlerSlicing;
}

/**
 * What the decision engine exposes to informers (EvictionEngine satisfies it structurally). Kept
 * here as a shape, so src/kube does not depend on src/main.
 */
export interface InformerConsumer {
  podAdded(pod: PodRecord): void;
  podUpdated(old: PodRecord, cur: PodRecord): void;
  podDeleted(pod: PodRecord): void;
  claimAdded(claim: ClaimRecord): void;
  claimUpdated(old: ClaimRecord, cur: ClaimRecord): void;
  claimDeleted(claim: ClaimRecord): void;
  sliceAdded(slice: SliceRecord): void;
  sliceUpdated(old: SliceRecord, cur: SliceRecord): void;
  sliceDeleted(slice: SliceRecord): void;
  ruleAdded(rule: RuleRecord): void;
  ruleUpdated(old: RuleRecord, cur: RuleRecord): void;
  ruleDeleted(rule: RuleRecord): void;
  podGroupAdded(group: PodGroupRecord): void;
  podGroupUpdated(old: PodGroupRecord, cur: PodGroupRecord): void;
  podGroupDeleted(group: PodGroupRecord): void;
  /** Bracket a burst of events (a relist, a watch chunk) to apply it as one; see the reflector's header. */
  beginBatch?(list?: boolean): void;
  endBatch?(): void;
}

export class InformerSet {
  readonly pods: Reflector<PodRecord>;
  readonly claims: Reflector<ClaimRecord>;
  readonly slices: Reflector<SliceRecord>;
  /** `null` when the server does not serve the resource (see DiscoveredApis). */
  readonly deviceClasses: Reflector<DeviceClassRecord> | null;
  readonly rules: Reflector<RuleRecord> | null;
  readonly podGroups: Reflector<PodGroupRecord> | null;

  constructor(transport: ReadTransport, resources: DiscoveredResources, opts: InformerOptions = {}) {
    const make = <T extends StoredRecord>(resource: ResourceDescriptor<T>): Reflector<T> => {
      const o: ReflectorOptions<T> = { ...opts, transport, resource };
      return new Reflector<T>(o);
    };
    this.pods = make(resources.pods);
    this.claims = make(resources.claims);
    this.slices = make(resources.slices);
    this.deviceClasses = resources.deviceClasses === null ? null : make(resources.deviceClasses);
    this.rules = resources.rules === null ? null : make(resources.rules);
    this.podGroups = resources.podGroups === null ? null : make(resources.podGroups);
  }

  /** Every reflector that exists, for bulk operations and metrics. */
  all(): Reflector<StoredRecord>[] {
    const list: (Reflector<StoredRecord> | null)[] = [
      this.pods,
      this.claims,
      this.slices,
      this.deviceClasses,
      this.rules,
      this.podGroups,
    ];
    return list.filter((r): r is Reflector<StoredRecord> => r !== null);
  }

  /** Routes every informer's events to `consumer`. Call before `start` so the initial lists arrive as adds. */
  attach(consumer: InformerConsumer): void {
    if (consumer.beginBatch !== undefined && consumer.endBatch !== undefined) {
      const hooks = { begin: (list?: boolean) => consumer.beginBatch?.(list), end: () => consumer.endBatch?.() };
      for (const r of this.all()) r.setBurstHooks(hooks);
    }
    this.pods.addEventHandler({
      added: (p) => consumer.podAdded(p),
      updated: (o, c) => consumer.podUpdated(o, c),
      deleted: (p) => consumer.podDeleted(p),
    });
    this.claims.addEventHandler({
      added: (c) => consumer.claimAdded(c),
      updated: (o, c) => consumer.claimUpdated(o, c),
      deleted: (c) => consumer.claimDeleted(c),
    });
    this.slices.addEventHandler({
      added: (s) => consumer.sliceAdded(s),
      updated: (o, c) => consumer.sliceUpdated(o, c),
      deleted: (s) => consumer.sliceDeleted(s),
    });
    this.rules?.addEventHandler({
      added: (r) => consumer.ruleAdded(r),
      updated: (o, c) => consumer.ruleUpdated(o, c),
      deleted: (r) => consumer.ruleDeleted(r),
    });
    this.podGroups?.addEventHandler({
      added: (g) => consumer.podGroupAdded(g),
      updated: (o, c) => consumer.podGroupUpdated(o, c),
      deleted: (g) => consumer.podGroupDeleted(g),
    });
  }

  start(): void {
    for (const r of this.all()) r.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.all().map((r) => r.stop()));
  }

  hasSynced(): boolean {
    return this.all().every((r) => r.hasSynced());
  }

  /**
   * Resolves when every informer has listed once and its handlers have run. Rejects after `timeoutMs`
   * naming the informers still missing, so a startup hang says which resource is the problem.
   */
  async waitForSync(timeoutMs = Number.POSITIVE_INFINITY): Promise<void> {
    const all = Promise.all(this.all().map((r) => r.synced)).then(() => undefined);
    if (!Number.isFinite(timeoutMs)) return all;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        const missing = this.all()
          .filter((r) => !r.hasSynced())
          .map((r) => r.id);
        reject(new Error(`informers not synced after ${timeoutMs} ms: ${missing.join(', ')}`));
      }, timeoutMs);
    });
    try {
      await Promise.race([all, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Counters by `group/version/plural`, for metrics and the status endpoint. */
  counters(): Record<string, Readonly<ReflectorCounters>> {
    const out: Record<string, Readonly<ReflectorCounters>> = {};
    for (const r of this.all()) out[r.id] = { ...r.counters };
    return out;
  }
}
