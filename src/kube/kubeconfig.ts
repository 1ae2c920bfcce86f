// Finds and loads the client configuration the way kubectl does: `--kubeconfig`, else `$KUBECONFIG`
// (a path list, first file wins on conflicts), else `~/.kube/config`, else the in-cluster service
// account. Every failure becomes a `KubeconfigError` whose message is one human line, because it ends
// up as the CLI's only output: an operator with a typo in a path must not get a stack trace.
//
// The configuration is loaded into a `KubeConfigCore` (client-node's KubeConfig without its API clients,
// and without the ~60 MB of generated API modules they pull in: kubeConfigCore.ts) unless the caller
// passes a factory for another class — the load generator passes client-node's own, whose
// `makeApiClient` it uses.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { KubeConfigCore, type KubeConfigLike } from './kubeConfigCore.js';

export type KubeconfigProblem =
  | 'notFound'
  | 'unreadable'
  | 'invalid'
  | 'unknownContext'
  | 'noCurrentContext'
  | 'noCluster'
  | 'noConfig';

export class KubeconfigError extends Error {
  constructor(
    readonly problem: KubeconfigProblem,
    message: string,
  ) {
    super(message);
    this.name = 'KubeconfigError';
  }
}

export interface KubeconfigOptions {
  /** `--kubeconfig PATH`: only this file is read; a missing file is an error. Unset or empty: the usual search. */
  readonly kubeconfig?: string | undefined;
  /** `--context NAME`: overrides the file's current-context. Unset or empty: the file's. */
  readonly context?: string | undefined;
  /** Defaults to `process.env`; tests pass their own. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Defaults to `os.homedir()`. */
  readonly homeDir?: string;
  /** Prefix for the service-account directory (tests); defaults to "" (the real `/var/run/secrets/...`). */
  readonly inClusterRoot?: string;
}

export interface LoadedKubeconfig<K extends KubeConfigLike = KubeConfigCore> {
  readonly kc: K;
  /** Where the configuration came from, for the startup log line: a path list or "in-cluster". */
  readonly source: string;
  readonly context: string;
  readonly server: string;
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** First line of an error message: YAML parser errors carry a multi-line code frame. */
const firstLine = (err: unknown): string => {
  const text = err instanceof Error ? err.message : String(err);
  return (text.split('\n')[0] ?? '').trim() || 'unknown error';
};

function readFile<K extends KubeConfigLike>(file: string, create: () => K): K {
  let text: string;
  try {
    if (statSync(file).isDirectory()) throw new KubeconfigError('unreadable', `kubeconfig ${file}: is a directory`);
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof KubeconfigError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new KubeconfigError('notFound', `kubeconfig ${file}: file not found`);
    throw new KubeconfigError('unreadable', `kubeconfig ${file}: cannot read: ${firstLine(err)}`);
  }
  if (text.trim() === '') throw new KubeconfigError('invalid', `kubeconfig ${file}: file is empty`);
  const kc = create();
  try {
    kc.loadFromString(text);
  } catch (err) {
    throw new KubeconfigError('invalid', `kubeconfig ${file}: invalid: ${firstLine(err)}`);
  }
  // A YAML scalar or list parses fine but holds no configuration at all.
  if (kc.getClusters().length === 0 && kc.getContexts().length === 0 && kc.getUsers().length === 0)
    throw new KubeconfigError('invalid', `kubeconfig ${file}: invalid: no clusters, users or contexts`);
  kc.makePathsAbsolute(path.dirname(file));
  return kc;
}

/** kubectl's merge rule: the first file that defines a name (or a current-context) wins. */
function mergeFirstWins<K extends KubeConfigLike>(configs: readonly K[], create: () => K): K {
  const merged = create();
  const clusters = new Map<string, ReturnType<K['getClusters']>[number]>();
  const users = new Map<string, ReturnType<K['getUsers']>[number]>();
  const contexts = new Map<string, ReturnType<K['getContexts']>[number]>();
  let currentContext = '';
  for (const c of configs) {
    for (const x of c.getClusters()) if (!clusters.has(x.name)) clusters.set(x.name, x);
    for (const x of c.getUsers()) if (!users.has(x.name)) users.set(x.name, x);
    for (const x of c.getContexts()) if (!contexts.has(x.name)) contexts.set(x.name, x);
    if (currentContext === '' && c.getCurrentContext()) currentContext = c.getCurrentContext();
  }
  merged.loadFromOptions({
    clusters: [...clusters.values()],
    users: [...users.values()],
    contexts: [...contexts.values()],
    currentContext,
  });
  return merged;
}

function loadInCluster<K extends KubeConfigLike>(
  env: Readonly<Record<string, string | undefined>>,
  root: string,
  create: () => K,
): K | null {
  if (!env.KUBERNETES_SERVICE_HOST || !env.KUBERNETES_SERVICE_PORT) return null;
  if (!existsSync(`${root}${SERVICE_ACCOUNT_DIR}/token`)) return null;
  const kc = create();
  // loadFromCluster reads process.env; pin it to the env we were given so tests stay hermetic.
  const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
  process.env.KUBERNETES_SERVICE_HOST = env.KUBERNETES_SERVICE_HOST;
  process.env.KUBERNETES_SERVICE_PORT = env.KUBERNETES_SERVICE_PORT;
  try {
    kc.loadFromCluster(root);
  } finally {
    restoreEnv('KUBERNETES_SERVICE_HOST', saved.host);
    restoreEnv('KUBERNETES_SERVICE_PORT', saved.port);
  }
  return kc;
}

function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

function locate<K extends KubeConfigLike>(opts: KubeconfigOptions, create: () => K): { kc: K; source: string } {
  const env = opts.env ?? process.env;
  if (opts.kubeconfig !== undefined && opts.kubeconfig !== '')
    return { kc: readFile(opts.kubeconfig, create), source: opts.kubeconfig };

  const fromEnv = (env.KUBECONFIG ?? '').split(path.delimiter).filter((f) => f !== '');
  if (fromEnv.length > 0) {
    // kubectl skips list entries that do not exist, but a list where none exists is almost surely a mistake.
    const existing = fromEnv.filter((f) => existsSync(f));
    if (existing.length === 0)
      throw new KubeconfigError(
        'notFound',
        `kubeconfig ${fromEnv.join(path.delimiter)} (from KUBECONFIG): file not found`,
      );
    const kc =
      existing.length === 1
        ? readFile(existing[0]!, create)
        : mergeFirstWins(
            existing.map((f) => readFile(f, create)),
            create,
          );
    return { kc, source: existing.join(path.delimiter) };
  }

  const home = path.join(opts.homeDir ?? homedir(), '.kube', 'config');
  if (existsSync(home)) return { kc: readFile(home, create), source: home };

  const inCluster = loadInCluster(env, opts.inClusterRoot ?? '', create);
  if (inCluster !== null) return { kc: inCluster, source: 'in-cluster' };

  throw new KubeconfigError(
    'noConfig',
    `no kubeconfig: pass --kubeconfig, set KUBECONFIG, create ${home} or run inside a cluster`,
  );
}

/**
 * Loads and validates the configuration; throws only `KubeconfigError`. `create` makes the empty
 * configuration to load into (default: a `KubeConfigCore`).
 */
export function loadKubeconfig(opts?: KubeconfigOptions): LoadedKubeconfig<KubeConfigCore>;
export function loadKubeconfig<K extends KubeConfigLike>(opts: KubeconfigOptions, create: () => K): LoadedKubeconfig<K>;
export function loadKubeconfig(
  opts: KubeconfigOptions = {},
  create: () => KubeConfigLike = () => new KubeConfigCore(),
): LoadedKubeconfig<KubeConfigLike> {
  const { kc, source } = locate(opts, create);
  const where = source === 'in-cluster' ? 'in-cluster config' : `kubeconfig ${source}`;
  if (opts.context !== undefined && opts.context !== '') {
    if (kc.getContextObject(opts.context) === null) {
      const known = kc
        .getContexts()
        .map((c) => c.name)
        .join(', ');
      throw new KubeconfigError(
        'unknownContext',
        `${where}: context "${opts.context}" not found${known ? ` (known: ${known})` : ''}`,
      );
    }
    kc.setCurrentContext(opts.context);
  }
  const context = kc.getCurrentContext();
  if (!context) throw new KubeconfigError('noCurrentContext', `${where}: no current-context set; pass --context`);
  const ctx = kc.getContextObject(context);
  if (ctx === null) throw new KubeconfigError('unknownContext', `${where}: current-context "${context}" not found`);
  const cluster = kc.getCurrentCluster();
  if (cluster === null)
    throw new KubeconfigError('noCluster', `${where}: context "${context}" refers to unknown cluster "${ctx.cluster}"`);
  return { kc, source, context, server: cluster.server };
}
