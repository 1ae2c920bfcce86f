// Reads what `explain` needs from a cluster, read-only: GETs and paginated lists through the
// controller's own read transport (no watch, no write client at all, no leader election). Discovery
// picks the versions as `run` does; the objects are projected to the informers' records by the same
// projectors, malformed ones left out or quarantined the way the reflector does it.

import { ApiError } from '../../kube/apiClient.js';
import { breakerRecordOf, DEFAULT_BREAKER_NAME } from '../../kube/breakerRecord.js';
import { ApiConnection } from '../../kube/connection.js';
import { discoverApis, resourcesFor } from '../../kube/discovery.js';
import { describeError, isGone } from '../../kube/httpErrors.js';
import { loadKubeconfig } from '../../kube/kubeconfig.js';
import { projectListBody } from '../../kube/pageDecode/pageDecoder.js';
import { HttpReadTransport, type ReadTransport } from '../../kube/readTransport.js';
import { collectionPath, keyOf, type ResourceDescriptor, type StoredRecord } from '../../kube/resources.js';
import { userAgent } from '../app/version.js';
import { ExplainError, ExplainNotFoundError } from './common.js';
import type { BreakerState, ClusterSnapshot, SkippedObject } from './snapshot.js';

export type ExplainTarget =
  | { readonly kind: 'pod'; readonly namespace: string; readonly name: string }
  | { readonly kind: 'rule'; readonly name: string };

export interface ReadClusterOptions {
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly workloadClaims: boolean;
  readonly breakerNamespace: string;
  readonly breakerName?: string;
  readonly target: ExplainTarget;
  /** List page size (client-go's 500). */
  readonly pageSize?: number;
  /** How long discovery may take before the server counts as unreachable (as `run`: 3 s). */
  readonly discoveryDeadlineMs?: number;
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Every object of a resource, page by page; a 410 (an expired continue token) restarts the list once. */
async function listAll<T extends StoredRecord>(
  transport: ReadTransport,
  resource: ResourceDescriptor<T>,
  skipped: SkippedObject[],
  pageSize: number,
): Promise<T[]> {
  const path = collectionPath(resource);
  for (let attempt = 1; ; attempt++) {
    const items = new Map<string, T>();
    const bad: SkippedObject[] = [];
    let cont = '';
    try {
      do {
        const query: Record<string, string> = { limit: String(pageSize) };
        if (cont !== '') query.continue = cont;
        const body = await transport.getJson(path, query);
        const page = projectListBody(body, resource.project);
        if (!page.ok) throw new ApiError(0, 'Decode', `list ${path}: response is not a list`);
        for (const rec of page.items) items.set(keyOf(rec), rec);
        for (const m of page.malformed) {
          bad.push({ resource: resource.plural, key: m.key, error: m.error });
          // Quarantine as the reflector does: the degraded record (a slice without devices), or nothing.
          if (m.fallback !== null) items.set(keyOf(m.fallback), m.fallback);
        }
        cont = page.continueToken;
      } while (cont !== '');
    } catch (error) {
      if (attempt === 1 && isGone(error)) continue;
      throw error;
    }
    skipped.push(...bad);
    return [...items.values()];
  }
}

async function readBreaker(transport: ReadTransport, namespace: string, name: string): Promise<BreakerState> {
  const configMap = `${namespace}/${name}`;
  try {
    const body = await transport.getJson(
      `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps/${encodeURIComponent(name)}`,
    );
    const record = breakerRecordOf(body);
    if (record === null) return { state: 'unknown', configMap, error: 'not a ConfigMap' };
    return { state: record.state, configMap, recorded: true, openedAt: record.openedAt, reason: record.reason };
  } catch (error) {
    if (error instanceof ApiError && error.code === 404)
      return { state: 'closed', configMap, recorded: false, openedAt: null, reason: '' };
    return { state: 'unknown', configMap, error: describeError(error) };
  }
}

/**
 * GET one object; false when the server says 404. A 403 counts as "maybe": a role may grant list but
 * not get (the controller's own role has no `get` on pods), and the lists decide then.
 */
async function exists(transport: ReadTransport, path: string): Promise<boolean> {
  try {
    await transport.getJson(path);
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.code === 404) return false;
    if (error instanceof ApiError && error.code === 403) return true;
    throw error;
  }
}

/**
 * Everything `explain` reads, once. Throws ExplainError (one line: configuration, an unreachable or
 * refusing server) or ExplainNotFoundError (the pod or rule asked about does not exist).
 */
export async function readCluster(options: ReadClusterOptions): Promise<ClusterSnapshot> {
  let loaded: ReturnType<typeof loadKubeconfig>;
  try {
    loaded = loadKubeconfig({ kubeconfig: options.kubeconfig, context: options.context });
  } catch (error) {
    throw new ExplainError(messageOf(error));
  }
  const server = loaded.server;
  const failed = (error: unknown): Error =>
    error instanceof ExplainError || error instanceof ExplainNotFoundError
      ? error
      : new ExplainError(
          `API server ${server}: ${error instanceof ApiError ? describeError(error) : messageOf(error)}`,
        );
  let connection: Awaited<ReturnType<typeof ApiConnection.fromKubeConfig>>;
  try {
    connection = await ApiConnection.fromKubeConfig(loaded.kc);
  } catch (error) {
    throw failed(error);
  }
  const transport = new HttpReadTransport(connection, { userAgent: userAgent('explain'), requestTimeoutMs: 30_000 });
  try {
    const apis = await discoverApis(transport, {
      podGroups: options.workloadClaims,
      deadlineMs: options.discoveryDeadlineMs ?? 3_000,
    });
    const resources = resourcesFor(apis);
    const target = options.target;
    // The object asked about first: a typo costs one GET, not a list of the whole cluster.
    if (target.kind === 'pod') {
      const path = `/api/v1/namespaces/${encodeURIComponent(target.namespace)}/pods/${encodeURIComponent(target.name)}`;
      if (!(await exists(transport, path)))
        throw new ExplainNotFoundError(`pod ${target.namespace}/${target.name} not found`);
    } else {
      if (resources.rules === null)
        throw new ExplainNotFoundError(
          `DeviceTaintRule ${target.name} not found: the API server serves no DeviceTaintRules`,
        );
      if (!(await exists(transport, `${collectionPath(resources.rules)}/${encodeURIComponent(target.name)}`)))
        throw new ExplainNotFoundError(`DeviceTaintRule ${target.name} not found`);
    }
    const pageSize = options.pageSize ?? 500;
    const skipped: SkippedObject[] = [];
    const rulesResource = resources.rules;
    const podGroupsResource = options.workloadClaims ? resources.podGroups : null;
    const [pods, claims, slices, rules, podGroups, breaker] = await Promise.all([
      listAll(transport, resources.pods, skipped, pageSize),
      listAll(transport, resources.claims, skipped, pageSize),
      listAll(transport, resources.slices, skipped, pageSize),
      rulesResource === null ? Promise.resolve([]) : listAll(transport, rulesResource, skipped, pageSize),
      podGroupsResource === null ? Promise.resolve([]) : listAll(transport, podGroupsResource, skipped, pageSize),
      readBreaker(transport, options.breakerNamespace, options.breakerName ?? DEFAULT_BREAKER_NAME),
    ]);
    return {
      server,
      pods,
      claims,
      slices,
      rules,
      podGroups,
      rulesServed: rulesResource !== null,
      skipped,
      breaker,
    };
  } catch (error) {
    throw failed(error);
  } finally {
    await transport.close();
    connection.credentials.close();
  }
}
