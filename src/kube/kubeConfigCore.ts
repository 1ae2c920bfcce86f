// The part of client-node's `KubeConfig` the controller uses — loading kubeconfigs and the in-cluster
// configuration, choosing the context, and resolving TLS material and request credentials — without its
// API clients. client-node's `dist/config.js` imports its generated API (`dist/gen/index.js`, hundreds of
// model and API modules) for `makeApiClient` alone, and that import costs the `run` process about 60 MB
// of its resident memory (bench/footprint.ts). `run` never makes a client-node API client: its reads and
// writes go through our own transports (connection.ts), so it loads this instead.
//
// Nothing here decides anything of its own. This is client-node 1.4.0's `KubeConfig` (src/config.ts,
// Apache-2.0) method for method, in the same order of application, on client-node's own modules: its
// kubeconfig parsing and validation (`dist/config_types.js`), its authenticators (azure, gcp, exec,
// token file, OIDC — the last imported when a user needs it: `dist/*_auth.js`) and its YAML parser (js-yaml, resolved from client-node's own
// directory: the copy its `KubeConfig` imports). test/kube/kubeConfigCore.test.ts checks, kubeconfig by
// kubeconfig, that both classes load the same configuration and resolve the same TLS material and
// headers, and that this module never loads client-node's generated API.
//
// Left out: `makeApiClient` (the reason this exists), `applyToFetchOptions` and
// `applySecurityAuthentication` (client-node's own request paths), `loadFromDefault` (kubeconfig.ts
// locates files itself), `mergeConfig`/`add*`, `exportConfig`, and building an `http.Agent` in
// `applyToHTTPSOptions`: connection.ts reads the TLS options and headers and opens its own undici pool,
// so the agent was never used. Its checks stay: plain http without skip-TLS-verify is refused with
// client-node's message, and so is a proxy URL of a kind client-node does not know.

import fs from 'node:fs';
import type { OutgoingHttpHeaders } from 'node:http';
import type { RequestOptions } from 'node:https';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import type { Cluster, ConfigOptions, Context, User } from '@kubernetes/client-node';
import type { Authenticator } from '@kubernetes/client-node/dist/auth.js';
import { AzureAuth } from '@kubernetes/client-node/dist/azure_auth.js';
import { newClusters, newContexts, newUsers } from '@kubernetes/client-node/dist/config_types.js';
import { ExecAuth } from '@kubernetes/client-node/dist/exec_auth.js';
import { FileAuth } from '@kubernetes/client-node/dist/file_auth.js';
import { GoogleCloudPlatformAuth } from '@kubernetes/client-node/dist/gcp_auth.js';

/**
 * What the controller needs of a kubeconfig: satisfied by client-node's `KubeConfig` (tests, the load
 * generator) and by `KubeConfigCore` (`run`).
 */
export interface KubeConfigLike {
  getClusters(): Cluster[];
  getContexts(): Context[];
  getUsers(): User[];
  getCurrentContext(): string;
  setCurrentContext(context: string): void;
  getContextObject(name: string): Context | null;
  getCurrentCluster(): Cluster | null;
  getCurrentUser(): User | null;
  loadFromString(config: string, opts?: Partial<ConfigOptions>): void;
  // biome-ignore lint/suspicious/noExplicitAny: client-node's signature (clusters, users, contexts, currentContext).
  loadFromOptions(options: any): void;
  loadFromCluster(pathPrefix?: string): void;
  makePathsAbsolute(rootDirectory: string): void;
  applyToHTTPSOptions(opts: RequestOptions): Promise<void>;
}

/**
 * client-node's OIDC authenticator, imported the first time a user needs it: it brings openid-client,
 * oauth4webapi and jose (≈ 5 MB of a process that has no OIDC user). `isAuthProvider` is client-node's
 * own test (oidc_auth.js); the one instance, once loaded, keeps its token state as client-node's does.
 */
class LazyOidcAuth implements Authenticator {
  private loaded: Promise<Authenticator> | null = null;

  isAuthProvider(user: User): boolean {
    if (!user.authProvider) return false;
    return user.authProvider.name === 'oidc';
  }

  async applyAuthentication(user: User, opts: RequestOptions): Promise<void> {
    this.loaded ??= import('@kubernetes/client-node/dist/oidc_auth.js').then((m) => new m.OpenIDConnectAuth());
    await (await this.loaded).applyAuthentication(user, opts);
  }
}

/** js-yaml, as client-node's KubeConfig loads it (from client-node's directory, not ours). */
const yaml = createRequire(createRequire(import.meta.url).resolve('@kubernetes/client-node'))('js-yaml') as {
  load(text: string): unknown;
};

const SERVICEACCOUNT_ROOT = '/var/run/secrets/kubernetes.io/serviceaccount';
const SERVICEACCOUNT_CA_PATH = `${SERVICEACCOUNT_ROOT}/ca.crt`;
const SERVICEACCOUNT_TOKEN_PATH = `${SERVICEACCOUNT_ROOT}/token`;
const SERVICEACCOUNT_NAMESPACE_PATH = `${SERVICEACCOUNT_ROOT}/namespace`;

function fileExists(filepath: string): boolean {
  try {
    fs.accessSync(filepath);
    return true;
  } catch {
    return false;
  }
}

export class KubeConfigCore implements KubeConfigLike {
  private readonly authenticators: Authenticator[] = [
    new AzureAuth(),
    new GoogleCloudPlatformAuth(),
    new ExecAuth(),
    new FileAuth(),
    new LazyOidcAuth(),
  ];
  private readonly customAuthenticators: Authenticator[] = [];
  clusters: Cluster[] = [];
  users: User[] = [];
  contexts: Context[] = [];
  currentContext = '';

  addAuthenticator(authenticator: Authenticator): void {
    this.customAuthenticators.push(authenticator);
  }

  getContexts(): Context[] {
    return this.contexts;
  }

  getClusters(): Cluster[] {
    return this.clusters;
  }

  getUsers(): User[] {
    return this.users;
  }

  getCurrentContext(): string {
    return this.currentContext;
  }

  setCurrentContext(context: string): void {
    this.currentContext = context;
  }

  getContextObject(name: string): Context | null {
    if (!this.contexts) return null;
    return findObject(this.contexts, name, 'context');
  }

  getCurrentCluster(): Cluster | null {
    const context = this.getContextObject(this.currentContext);
    if (!context) return null;
    return this.getCluster(context.cluster);
  }

  getCluster(name: string): Cluster | null {
    return findObject(this.clusters, name, 'cluster');
  }

  getCurrentUser(): User | null {
    const context = this.getContextObject(this.currentContext);
    if (!context) return null;
    return this.getUser(context.user);
  }

  getUser(name: string): User | null {
    return findObject(this.users, name, 'user');
  }

  loadFromFile(file: string, opts?: Partial<ConfigOptions>): void {
    const rootDirectory = path.dirname(file);
    this.loadFromString(fs.readFileSync(file).toString('utf-8'), opts);
    this.makePathsAbsolute(rootDirectory);
  }

  loadFromString(config: string, opts?: Partial<ConfigOptions>): void {
    // biome-ignore lint/suspicious/noExplicitAny: as client-node: the parsed document is validated field by field below.
    const obj = yaml.load(config) as any;
    this.clusters = newClusters(obj.clusters, opts);
    this.contexts = newContexts(obj.contexts, opts);
    this.users = newUsers(obj.users, opts);
    this.currentContext = obj['current-context'];
  }

  // biome-ignore lint/suspicious/noExplicitAny: client-node's signature.
  loadFromOptions(options: any): void {
    this.clusters = options.clusters;
    this.contexts = options.contexts;
    this.users = options.users;
    this.currentContext = options.currentContext;
  }

  loadFromClusterAndUser(cluster: Cluster, user: User): void {
    this.clusters = [cluster];
    this.users = [user];
    this.currentContext = 'loaded-context';
    this.contexts = [{ cluster: cluster.name, user: user.name, name: this.currentContext }];
  }

  loadFromCluster(pathPrefix = ''): void {
    const host = process.env.KUBERNETES_SERVICE_HOST;
    const port = process.env.KUBERNETES_SERVICE_PORT;
    const clusterName = 'inCluster';
    const userName = 'inClusterUser';
    const contextName = 'inClusterContext';
    let scheme = 'https';
    if (port === '80' || port === '8080' || port === '8001') scheme = 'http';
    // Wrap raw IPv6 addresses in brackets.
    let serverHost = host;
    if (host && net.isIPv6(host)) serverHost = `[${host}]`;
    this.clusters = [
      {
        name: clusterName,
        caFile: `${pathPrefix}${SERVICEACCOUNT_CA_PATH}`,
        server: `${scheme}://${serverHost}:${port}`,
        skipTLSVerify: false,
      },
    ];
    this.users = [
      {
        name: userName,
        authProvider: { name: 'tokenFile', config: { tokenFile: `${pathPrefix}${SERVICEACCOUNT_TOKEN_PATH}` } },
      },
    ];
    const namespaceFile = `${pathPrefix}${SERVICEACCOUNT_NAMESPACE_PATH}`;
    let namespace: string | undefined;
    if (fileExists(namespaceFile)) namespace = fs.readFileSync(namespaceFile).toString('utf-8');
    this.contexts = [{ cluster: clusterName, name: contextName, user: userName, namespace }];
    this.currentContext = contextName;
  }

  makePathsAbsolute(rootDirectory: string): void {
    for (const cluster of this.clusters)
      if (cluster.caFile) cluster.caFile = makeAbsolutePath(rootDirectory, cluster.caFile);
    for (const user of this.users) {
      if (user.certFile) user.certFile = makeAbsolutePath(rootDirectory, user.certFile);
      if (user.keyFile) user.keyFile = makeAbsolutePath(rootDirectory, user.keyFile);
    }
  }

  /** TLS options and headers as client-node applies them to a request (without building its agent). */
  async applyToHTTPSOptions(opts: RequestOptions): Promise<void> {
    const user = this.getCurrentUser();
    const cluster = this.getCurrentCluster();
    await this.applyOptions(opts);
    if (user?.username) opts.auth = `${user.username}:${user.password}`;
    checkAgent(cluster);
  }

  private applyHTTPSOptions(opts: RequestOptions): void {
    const cluster = this.getCurrentCluster();
    const user = this.getCurrentUser();
    if (!user) return;
    if (cluster?.skipTLSVerify) opts.rejectUnauthorized = false;
    if (cluster?.tlsServerName) opts.servername = cluster.tlsServerName;
    const ca = cluster != null ? bufferFromFileOrString(cluster.caFile, cluster.caData) : null;
    if (ca) opts.ca = ca;
    const cert = bufferFromFileOrString(user.certFile, user.certData);
    if (cert) opts.cert = cert;
    const key = bufferFromFileOrString(user.keyFile, user.keyData);
    if (key) opts.key = key;
    if (user.impersonateUser != null) {
      opts.headers ??= {};
      (opts.headers as OutgoingHttpHeaders)['Impersonate-User'] = user.impersonateUser;
    }
  }

  private async applyAuthorizationHeader(opts: RequestOptions): Promise<void> {
    const user = this.getCurrentUser();
    if (!user) return;
    const authenticator =
      this.authenticators.find((a) => a.isAuthProvider(user)) ??
      this.customAuthenticators.find((a) => a.isAuthProvider(user));
    opts.headers ??= {};
    if (authenticator) await authenticator.applyAuthentication(user, opts);
    if (user.token) (opts.headers as OutgoingHttpHeaders).Authorization = `Bearer ${user.token}`;
  }

  private async applyOptions(opts: RequestOptions): Promise<void> {
    this.applyHTTPSOptions(opts);
    await this.applyAuthorizationHeader(opts);
  }
}

const SOCKS_PROTOCOLS = new Set(['socks4', 'socks4a', 'socks5', 'socks', 'socks5h']);

/**
 * client-node's `createAgent` checks, without the agent (nobody here sends through it): the proxy URL
 * parsed as its proxy agents parse it (socks-proxy-agent, hpagent), plain http refused without
 * skip-TLS-verify.
 */
function checkAgent(cluster: Cluster | null): void {
  if (cluster?.proxyUrl) {
    if (cluster.proxyUrl.startsWith('socks')) {
      const url = new URL(cluster.proxyUrl);
      if (!SOCKS_PROTOCOLS.has(url.protocol.replace(':', '')))
        throw new TypeError(`A "socks" protocol must be specified! Got: ${String(url.protocol)}`);
      return;
    }
    if (cluster.server.startsWith('http')) {
      new URL(cluster.proxyUrl);
      return;
    }
    throw new Error('Unsupported proxy type');
  }
  if (cluster?.server?.startsWith('http:') && !cluster.skipTLSVerify)
    throw new Error('HTTP protocol is not allowed when skipTLSVerify is not set or false');
}

export function makeAbsolutePath(root: string, file: string): string {
  if (!root || path.isAbsolute(file)) return file;
  return path.join(root, file);
}

function bufferFromFileOrString(file?: string, data?: string): Buffer | null {
  if (file) return fs.readFileSync(file);
  if (data) return Buffer.from(data, 'base64');
  return null;
}

/** client-node's findObject: a named list entry, or the object under `key` of it (named after the entry). */
function findObject<T extends { name: string }>(list: T[], name: string, key: string): T | null {
  if (!list) return null;
  for (const obj of list) {
    if (obj.name === name) {
      const inner = (obj as Record<string, unknown>)[key] as (T & { name: string }) | undefined;
      if (inner) {
        inner.name = name;
        return inner;
      }
      return obj;
    }
  }
  return null;
}
