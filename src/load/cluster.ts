// The load generator's only door to the API server. Everything that touches the network is here, behind
// `LoadCluster`, so phases stay testable and a different transport can be dropped in.
//
// DRA objects go through CustomObjectsApi on purpose: it hands back raw JSON, whereas client-node
// 1.4.0's typed models drop fields they do not know (docs/architecture.md §5) and turn `timeAdded` into
// a Date we would have to trust. Pods and namespaces use CoreV1Api; their typed models hold everything
// we send.

import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  Watch,
} from '@kubernetes/client-node';

export const RESOURCE_GROUP = 'resource.k8s.io';

/** A watch event as the API server sends it; `object` is raw JSON. */
export interface WatchEvent {
  readonly type: string;
  readonly object: unknown;
}

export interface WatchHandle {
  stop(): void;
}

export interface ListResult {
  readonly items: readonly unknown[];
  readonly resourceVersion: string;
}

/** The API calls the load generator makes. Bodies and results are raw JSON. */
export interface LoadCluster {
  /** Creates the namespace unless it exists; resolves `true` when this call created it. */
  ensureNamespace(name: string, labels: Readonly<Record<string, string>>): Promise<boolean>;
  deleteNamespace(name: string): Promise<void>;

  /** Creates a Node unless one exists; resolves `true` when this call created it. */
  createNode(body: object): Promise<boolean>;
  deleteNode(name: string): Promise<void>;
  listNodes(labelSelector?: string): Promise<ListResult>;

  /** `resource.k8s.io` version serving ResourceSlices/ResourceClaims in the v1 shape (v1 or v1beta2). */
  draVersion(): Promise<string>;
  /** `resource.k8s.io` version serving DeviceTaintRules, newest first; `null` when none is served. */
  ruleVersion(): Promise<string | null>;

  createSlice(body: object): Promise<unknown>;
  /** JSON merge patch; resolves with the object as stored (server-filled `timeAdded` included). */
  patchSlice(name: string, patch: object): Promise<unknown>;
  deleteSlice(name: string): Promise<void>;
  listSlices(labelSelector?: string): Promise<ListResult>;

  createClaim(namespace: string, body: object): Promise<unknown>;
  /** JSON merge patch on the `status` subresource. */
  patchClaimStatus(namespace: string, name: string, patch: object): Promise<unknown>;
  deleteClaim(namespace: string, name: string): Promise<void>;
  listClaims(namespace: string, labelSelector?: string): Promise<ListResult>;

  createPod(namespace: string, body: object): Promise<{ readonly uid: string }>;
  deletePod(namespace: string, name: string): Promise<void>;
  listPods(namespace: string, labelSelector?: string): Promise<ListResult>;
  listEvents(namespace: string): Promise<ListResult>;

  createRule(body: object): Promise<unknown>;
  patchRule(name: string, patch: object): Promise<unknown>;
  getRule(name: string): Promise<unknown>;
  deleteRule(name: string): Promise<void>;

  /**
   * Opens one watch on an API path (e.g. `/api/v1/namespaces/x/pods`). `onDone` is called once when the
   * stream ends for any reason; reconnecting is the caller's business (watchLoop.ts).
   */
  watch(
    path: string,
    query: Readonly<Record<string, string | number | boolean>>,
    onEvent: (event: WatchEvent) => void,
    onDone: (err: unknown) => void,
  ): Promise<WatchHandle>;
}

/** HTTP status of a failed call, or 0 when there was no response. */
export function errorCode(err: unknown): number {
  if (err instanceof ApiException) return err.code;
  if (typeof err === 'object' && err !== null) {
    if ('code' in err && typeof err.code === 'number') return err.code;
    // client-node's Watch reports a refused watch as an Error with `statusCode`.
    if ('statusCode' in err && typeof err.statusCode === 'number') return err.statusCode;
  }
  return 0;
}

const ignoreNotFound = (err: unknown): void => {
  if (errorCode(err) !== 404) throw err;
};

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** Items and list resourceVersion of a raw list body. */
function listOf(body: unknown): ListResult {
  if (typeof body !== 'object' || body === null) return { items: [], resourceVersion: '' };
  const items = 'items' in body && Array.isArray(body.items) ? (body.items as unknown[]) : [];
  const meta = 'metadata' in body ? body.metadata : undefined;
  const rv =
    typeof meta === 'object' && meta !== null && 'resourceVersion' in meta && typeof meta.resourceVersion === 'string'
      ? meta.resourceVersion
      : '';
  return { items, resourceVersion: rv };
}

/** `LoadCluster` over client-node 1.4.0. One instance per run; it caches API discovery. */
export class KubeLoadCluster implements LoadCluster {
  private readonly core: CoreV1Api;
  private readonly custom: CustomObjectsApi;
  private readonly watcher: Watch;
  private draVersionCache: Promise<string> | undefined;
  private ruleVersionCache: Promise<string | null> | undefined;

  constructor(kc: KubeConfig) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.watcher = new Watch(kc);
  }

  async ensureNamespace(name: string, labels: Readonly<Record<string, string>>): Promise<boolean> {
    try {
      await this.core.createNamespace({ body: { metadata: { name, labels: { ...labels } } } });
      return true;
    } catch (err) {
      if (errorCode(err) !== 409) throw err;
      return false;
    }
  }

  async deleteNamespace(name: string): Promise<void> {
    await this.core.deleteNamespace({ name }).catch(ignoreNotFound);
  }

  async createNode(body: object): Promise<boolean> {
    try {
      await this.core.createNode({ body });
      return true;
    } catch (err) {
      if (errorCode(err) !== 409) throw err;
      return false;
    }
  }

  async deleteNode(name: string): Promise<void> {
    await this.core.deleteNode({ name }).catch(ignoreNotFound);
  }

  async listNodes(labelSelector?: string): Promise<ListResult> {
    const list = await this.core.listNode({ labelSelector });
    return { items: list.items, resourceVersion: list.metadata?.resourceVersion ?? '' };
  }

  /** Newest version in `candidates` whose discovery document lists `plural`. */
  private async servedVersion(plural: string, candidates: readonly string[]): Promise<string | null> {
    for (const version of candidates) {
      try {
        const list = await this.custom.getAPIResources({ group: RESOURCE_GROUP, version });
        if (list.resources.some((r) => r.name === plural)) return version;
      } catch (err) {
        if (errorCode(err) !== 404) throw err;
      }
    }
    return null;
  }

  draVersion(): Promise<string> {
    // v1beta1 nests device fields under `basic`; only the flattened v1/v1beta2 shape is generated.
    this.draVersionCache ??= this.servedVersion('resourceslices', ['v1', 'v1beta2']).then((v) => {
      if (v === null) throw new Error('the cluster serves neither resource.k8s.io/v1 nor v1beta2 ResourceSlices');
      return v;
    });
    return this.draVersionCache;
  }

  ruleVersion(): Promise<string | null> {
    this.ruleVersionCache ??= this.servedVersion('devicetaintrules', ['v1', 'v1beta2', 'v1alpha3']);
    return this.ruleVersionCache;
  }

  async createSlice(body: object): Promise<unknown> {
    const version = await this.draVersion();
    return this.custom.createClusterCustomObject({ group: RESOURCE_GROUP, version, plural: 'resourceslices', body });
  }

  async patchSlice(name: string, patch: object): Promise<unknown> {
    const version = await this.draVersion();
    return this.custom.patchClusterCustomObject(
      { group: RESOURCE_GROUP, version, plural: 'resourceslices', name, body: patch },
      mergePatch,
    );
  }

  async deleteSlice(name: string): Promise<void> {
    const version = await this.draVersion();
    await this.custom
      .deleteClusterCustomObject({ group: RESOURCE_GROUP, version, plural: 'resourceslices', name })
      .catch(ignoreNotFound);
  }

  async listSlices(labelSelector?: string): Promise<ListResult> {
    const version = await this.draVersion();
    return listOf(
      await this.custom.listClusterCustomObject({
        group: RESOURCE_GROUP,
        version,
        plural: 'resourceslices',
        labelSelector,
      }),
    );
  }

  async createClaim(namespace: string, body: object): Promise<unknown> {
    const version = await this.draVersion();
    return this.custom.createNamespacedCustomObject({
      group: RESOURCE_GROUP,
      version,
      namespace,
      plural: 'resourceclaims',
      body,
    });
  }

  async patchClaimStatus(namespace: string, name: string, patch: object): Promise<unknown> {
    const version = await this.draVersion();
    return this.custom.patchNamespacedCustomObjectStatus(
      { group: RESOURCE_GROUP, version, namespace, plural: 'resourceclaims', name, body: patch },
      mergePatch,
    );
  }

  async deleteClaim(namespace: string, name: string): Promise<void> {
    const version = await this.draVersion();
    await this.custom
      .deleteNamespacedCustomObject({ group: RESOURCE_GROUP, version, namespace, plural: 'resourceclaims', name })
      .catch(ignoreNotFound);
  }

  async listClaims(namespace: string, labelSelector?: string): Promise<ListResult> {
    const version = await this.draVersion();
    return listOf(
      await this.custom.listNamespacedCustomObject({
        group: RESOURCE_GROUP,
        version,
        namespace,
        plural: 'resourceclaims',
        labelSelector,
      }),
    );
  }

  async createPod(namespace: string, body: object): Promise<{ readonly uid: string }> {
    const pod = await this.core.createNamespacedPod({ namespace, body });
    const uid = pod.metadata?.uid;
    if (uid === undefined || uid === '') throw new Error(`server returned pod ${namespace} without a uid`);
    return { uid };
  }

  async deletePod(namespace: string, name: string): Promise<void> {
    await this.core.deleteNamespacedPod({ namespace, name }).catch(ignoreNotFound);
  }

  async listPods(namespace: string, labelSelector?: string): Promise<ListResult> {
    // Through CustomObjectsApi's raw path would need a group; the typed list is fine for the few
    // fields the observer reads, which it normalises (Date or string timestamps).
    const list = await this.core.listNamespacedPod({ namespace, labelSelector });
    return { items: list.items, resourceVersion: list.metadata?.resourceVersion ?? '' };
  }

  async listEvents(namespace: string): Promise<ListResult> {
    const list = await this.core.listNamespacedEvent({ namespace });
    return { items: list.items, resourceVersion: list.metadata?.resourceVersion ?? '' };
  }

  private async requireRuleVersion(): Promise<string> {
    const version = await this.ruleVersion();
    if (version === null) throw new Error('the cluster serves no resource.k8s.io DeviceTaintRule version');
    return version;
  }

  async createRule(body: object): Promise<unknown> {
    const version = await this.requireRuleVersion();
    return this.custom.createClusterCustomObject({ group: RESOURCE_GROUP, version, plural: 'devicetaintrules', body });
  }

  async patchRule(name: string, patch: object): Promise<unknown> {
    const version = await this.requireRuleVersion();
    return this.custom.patchClusterCustomObject(
      { group: RESOURCE_GROUP, version, plural: 'devicetaintrules', name, body: patch },
      mergePatch,
    );
  }

  async getRule(name: string): Promise<unknown> {
    const version = await this.requireRuleVersion();
    return this.custom.getClusterCustomObject({ group: RESOURCE_GROUP, version, plural: 'devicetaintrules', name });
  }

  async deleteRule(name: string): Promise<void> {
    const version = await this.requireRuleVersion();
    await this.custom
      .deleteClusterCustomObject({ group: RESOURCE_GROUP, version, plural: 'devicetaintrules', name })
      .catch(ignoreNotFound);
  }

  async watch(
    path: string,
    query: Readonly<Record<string, string | number | boolean>>,
    onEvent: (event: WatchEvent) => void,
    onDone: (err: unknown) => void,
  ): Promise<WatchHandle> {
    let finished = false;
    const done = (err: unknown) => {
      if (finished) return;
      finished = true;
      onDone(err);
    };
    const controller = await this.watcher.watch(
      path,
      { ...query },
      (type: string, object: unknown) => onEvent({ type, object }),
      done,
    );
    return {
      stop: () => {
        finished = true;
        controller.abort();
      },
    };
  }
}
