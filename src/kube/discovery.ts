// Which API versions the server serves, decided once at startup from the discovery documents
// (`/apis/<group>` and `/apis/<group>/<version>`). Claims, slices and classes: v1, else v1beta2, else
// v1beta1 (whose devices wrap their fields in `basic`). DeviceTaintRules: v1, v1beta2 or v1alpha3, or
// none at all (the DRADeviceTaintRules gate is off): then the controller runs on slice taints alone.
// PodGroups (scheduling.k8s.io) are optional too. Only "no DRA API at all" is fatal.

import type { Clock } from '../shared/clock.js';
import { RealClock } from '../shared/clock.js';
import { JitteredBackoff } from '../shared/jitteredBackoff.js';
import { field, isObject } from '../shared/jsonShape.js';
import { type Logger, silentLogger } from '../shared/logger.js';
import type {
  ClaimRecord,
  DeviceClassRecord,
  PodGroupRecord,
  PodRecord,
  RuleRecord,
  SliceRecord,
} from '../shared/types.js';
import { ApiError } from './apiClient.js';
import { describeError } from './httpErrors.js';
import type { ReadTransport } from './readTransport.js';
import {
  claimsResource,
  type DraVersion,
  deviceClassesResource,
  podGroupsResource,
  podsResource,
  RESOURCE_GROUP,
  type ResourceDescriptor,
  type RuleVersion,
  rulesResource,
  SCHEDULING_GROUP,
  slicesResource,
} from './resources.js';

export const DRA_VERSIONS: readonly DraVersion[] = ['v1', 'v1beta2', 'v1beta1'];
export const RULE_VERSIONS: readonly RuleVersion[] = ['v1', 'v1beta2', 'v1alpha3'];
export const POD_GROUP_VERSIONS: readonly string[] = ['v1', 'v1beta1', 'v1alpha2', 'v1alpha1'];

export interface DiscoveredApis {
  /** Version used for resourceclaims and resourceslices (and deviceclasses when served there). */
  readonly draVersion: DraVersion;
  /** `false` when the chosen version does not serve deviceclasses (the controller only waits on them). */
  readonly deviceClasses: boolean;
  readonly ruleVersion: RuleVersion | null;
  readonly podGroupVersion: string | null;
}

/** The server serves no usable DRA API, or discovery kept failing. One human line. */
export class DiscoveryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DiscoveryError';
  }
}

export interface DiscoveryOptions {
  readonly log?: Logger;
  readonly clock?: Clock;
  /** Attempts per discovery document on transient errors (5xx, 429, connection failures). */
  readonly attempts?: number;
  readonly retryDelayMs?: number;
  /**
   * Give up on discovery after this long in all, timeouts and retries included (default none). At
   * start-up an unreachable server must be one clear line within seconds, not a minute of retries.
   */
  readonly deadlineMs?: number;
  /**
   * Look for PodGroups (scheduling.k8s.io) at all: only with workload claims. Without them the group is
   * never asked for, so neither its absence nor missing RBAC can delay or block the startup.
   */
  readonly podGroups?: boolean;
}

type ResourceLists = Map<string, ReadonlySet<string>>;

/** Group versions (as served) → resource names per version, or `null` if the group is not served. */
async function readGroup(
  group: string,
  fetchJson: (path: string) => Promise<unknown | null>,
): Promise<ResourceLists | null> {
  const doc = await fetchJson(`/apis/${group}`);
  if (doc === null) return null;
  const versions = isObject(doc) ? field(doc, 'versions') : undefined;
  if (!Array.isArray(versions)) throw new DiscoveryError(`discovery /apis/${group}: not an APIGroup document`);
  const names = versions
    .map((v) => (isObject(v) ? field(v, 'version') : undefined))
    .filter((v): v is string => typeof v === 'string');
  const lists: ResourceLists = new Map();
  await Promise.all(
    names.map(async (version) => {
      const list = await fetchJson(`/apis/${group}/${version}`);
      const resources = isObject(list) ? field(list, 'resources') : undefined;
      if (!Array.isArray(resources)) return;
      const served = new Set<string>();
      for (const r of resources) {
        const name = isObject(r) ? field(r, 'name') : undefined;
        // Subresources ("resourceclaims/status") are listed too; only top-level names matter here.
        if (typeof name === 'string' && !name.includes('/')) served.add(name);
      }
      lists.set(version, served);
    }),
  );
  return lists;
}

export async function discoverApis(transport: ReadTransport, opts: DiscoveryOptions = {}): Promise<DiscoveredApis> {
  const log = opts.log ?? silentLogger;
  const clock = opts.clock ?? new RealClock();
  const attempts = Math.max(1, opts.attempts ?? 5);
  const deadline = opts.deadlineMs === undefined ? Number.POSITIVE_INFINITY : clock.now() + opts.deadlineMs;
  /** GET a discovery document; `null` when the server says it does not exist (404). */
  const fetchJson = async (path: string): Promise<unknown | null> => {
    // One backoff per document: lookups run concurrently, and a shared one would grow twice as fast,
    // making an unreachable server take three times longer to report.
    const backoff = new JitteredBackoff({
      initialMs: opts.retryDelayMs ?? 500,
      maxMs: 10_000,
      factor: 2,
      jitter: 0.5,
      resetAfterMs: Number.POSITIVE_INFINITY,
    });
    for (let attempt = 1; ; attempt++) {
      const left = deadline - clock.now();
      try {
        return await transport.getJson(
          path,
          {},
          Number.isFinite(left) ? AbortSignal.timeout(Math.max(1, Math.ceil(left))) : undefined,
        );
      } catch (err) {
        if (err instanceof ApiError && err.code === 404) return null;
        const transient = !(err instanceof ApiError) || err.code === 0 || err.code === 429 || err.code >= 500;
        const delay = backoff.next(clock.now());
        if (!transient || attempt >= attempts || clock.now() + delay >= deadline)
          throw new DiscoveryError(`discovery ${path} failed: ${describeError(err)}`);
        // Only the final verdict is worth a line at info and above: retries are routine.
        log.debug('discovery request failed; retrying', { path, attempt, error: describeError(err) });
        await new Promise<void>((resolve) => clock.setTimer(resolve, delay));
      }
    }
  };

  const [resource, scheduling] = await Promise.all([
    readGroup(RESOURCE_GROUP, fetchJson),
    // PodGroups are optional: a broken scheduling group must not keep the controller from starting.
    opts.podGroups === true
      ? readGroup(SCHEDULING_GROUP, fetchJson).catch((err: unknown) => {
          log.warn('scheduling.k8s.io discovery failed; workload claims will see no PodGroups', {
            error: describeError(err),
          });
          return null;
        })
      : Promise.resolve(null),
  ]);
  if (resource === null)
    throw new DiscoveryError(`the API server does not serve ${RESOURCE_GROUP}: is DynamicResourceAllocation enabled?`);

  const serves = (lists: ResourceLists, version: string, ...names: string[]) =>
    names.every((n) => lists.get(version)?.has(n) === true);

  const draVersion = DRA_VERSIONS.find((v) => serves(resource, v, 'resourceclaims', 'resourceslices'));
  if (draVersion === undefined)
    throw new DiscoveryError(
      `the API server serves ${RESOURCE_GROUP} but not resourceclaims and resourceslices in ${DRA_VERSIONS.join(', ')}`,
    );
  const ruleVersion = RULE_VERSIONS.find((v) => serves(resource, v, 'devicetaintrules')) ?? null;
  if (ruleVersion === null)
    log.warn('DeviceTaintRules are not served (DRADeviceTaintRules off?); running on ResourceSlice taints only');
  const podGroupVersion =
    scheduling === null ? null : (POD_GROUP_VERSIONS.find((v) => serves(scheduling, v, 'podgroups')) ?? null);
  const found: DiscoveredApis = {
    draVersion,
    deviceClasses: serves(resource, draVersion, 'deviceclasses'),
    ruleVersion,
    podGroupVersion,
  };
  log.debug('discovered API versions', { ...found });
  return found;
}

/** The descriptors to build reflectors from, at the discovered versions. */
export interface DiscoveredResources {
  readonly pods: ResourceDescriptor<PodRecord>;
  readonly claims: ResourceDescriptor<ClaimRecord>;
  readonly slices: ResourceDescriptor<SliceRecord>;
  readonly deviceClasses: ResourceDescriptor<DeviceClassRecord> | null;
  readonly rules: ResourceDescriptor<RuleRecord> | null;
  readonly podGroups: ResourceDescriptor<PodGroupRecord> | null;
}

export function resourcesFor(apis: DiscoveredApis): DiscoveredResources {
  return {
    pods: podsResource,
    claims: claimsResource(apis.draVersion),
    slices: slicesResource(apis.draVersion),
    deviceClasses: apis.deviceClasses ? deviceClassesResource(apis.draVersion) : null,
    rules: apis.ruleVersion === null ? null : rulesResource(apis.ruleVersion),
    podGroups: apis.podGroupVersion === null ? null : podGroupsResource(apis.podGroupVersion),
  };
}
