// The operator's side of the blast-radius breaker, as `device-taint-evictor breaker status|reset`
// (src/cli/breakerCommand.ts) does it, and as the demo shows it (src/demo/acts.ts): the record read as
// a status (text, json, yaml), and a reset, which turns the record closed (the leader, which looks at
// it every 2 s, then releases what it held). The same reset with kubectl:
//
//   kubectl -n <namespace> patch configmap device-taint-evictor-breaker --type merge -p '{"data":{"state":"closed"}}'

import os from 'node:os';
import { ApiError } from './apiClient.js';
import { type BreakerRecord, BreakerRecordStore, DEFAULT_BREAKER_NAME } from './breakerRecord.js';

/** What `breaker status -o json` prints. */
export interface BreakerStatusOutput {
  readonly configMap: string;
  /** `never-opened` when no record exists. */
  readonly state: 'open' | 'closed' | 'never-opened';
  readonly openedAt: string | null;
  readonly reason: string;
  readonly heldPods: number;
  readonly causes: readonly string[];
  readonly heldPodNames: readonly string[];
  readonly resetAt: string | null;
  readonly resetBy: string;
}

/** `1 held eviction`, `8 held evictions`. */
const evictions = (n: number, what: string): string => `${n} ${what} eviction${n === 1 ? '' : 's'}`;

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function statusOutput(configMap: string, record: BreakerRecord | null): BreakerStatusOutput {
  return {
    configMap,
    state: record === null ? 'never-opened' : record.state,
    openedAt: iso(record?.openedAt ?? null),
    reason: record?.reason ?? '',
    heldPods: record?.state === 'open' ? record.heldPods : 0,
    causes: record?.state === 'open' ? record.causes : [],
    heldPodNames: record?.state === 'open' ? record.heldPodNames : [],
    resetAt: iso(record?.resetAt ?? null),
    resetBy: record?.resetBy ?? '',
  };
}

const ago = (at: string, now: number): string => {
  const s = Math.max(0, Math.round((now - Date.parse(at)) / 1000));
  return s < 120 ? `${s}s ago` : s < 7200 ? `${Math.round(s / 60)}m ago` : `${Math.round(s / 3600)}h ago`;
};

/** The reset, as an operator types it: `breaker reset` and the kubectl patch that does the same. */
export function resetCommands(namespace: string, name: string = DEFAULT_BREAKER_NAME): readonly [string, string] {
  return [
    `device-taint-evictor breaker reset --namespace ${namespace}${name === DEFAULT_BREAKER_NAME ? '' : ` --name ${name}`}`,
    `kubectl -n ${namespace} patch configmap ${name} --type merge -p '{"data":{"state":"closed"}}'`,
  ];
}

/** The human view of `breaker status`. */
export function statusText(out: BreakerStatusOutput, now: number = Date.now()): string {
  const [ns = '', name = ''] = out.configMap.split('/');
  const lines: string[] = [];
  if (out.state === 'never-opened') lines.push(`Breaker ${out.configMap}: CLOSED (it has never opened)`);
  else if (out.state === 'closed')
    lines.push(
      `Breaker ${out.configMap}: CLOSED${out.resetAt === null ? '' : ` (reset ${ago(out.resetAt, now)} by ${out.resetBy || 'unknown'})`}`,
    );
  else {
    lines.push(
      `Breaker ${out.configMap}: OPEN${out.openedAt === null ? '' : ` since ${out.openedAt} (${ago(out.openedAt, now)})`}`,
    );
    if (out.reason !== '') lines.push(`Reason:    ${out.reason}`);
    lines.push(
      `Held:      ${evictions(out.heldPods, 'due')} (nothing is lost; ${out.heldPods === 1 ? 'it starts' : 'they start'} after a reset)`,
    );
    if (out.causes.length > 0) lines.push('Causes:', ...out.causes.map((c) => `  ${c}`));
    if (out.heldPodNames.length > 0)
      lines.push(
        `Held pods${out.heldPodNames.length < out.heldPods ? ` (first ${out.heldPodNames.length})` : ''}:`,
        ...out.heldPodNames.map((p) => `  ${p}`),
      );
    const [reset, kubectl] = resetCommands(ns, name);
    lines.push(`Reset:     ${reset}`, `     or:   ${kubectl}`);
  }
  return `${lines.join('\n')}\n`;
}

/** How often a reset reads again after the record changed under it (a concurrent opening). */
const RESET_ATTEMPTS = 3;

export type ResetOutcome =
  /** Nothing to reset: no record, or already closed. */
  | { readonly kind: 'notOpen'; readonly record: BreakerRecord | null }
  /** Written closed: `record` is what it said before (what the leader will release), `written` what it says now. */
  | { readonly kind: 'reset'; readonly record: BreakerRecord; readonly written: BreakerRecord };

/**
 * Turns an open record closed, with the record's resourceVersion as a precondition: an opening written
 * meanwhile is read again (up to RESET_ATTEMPTS times) rather than overwritten unseen.
 */
export async function resetBreaker(
  store: BreakerRecordStore,
  user: string,
  now: () => number = Date.now,
): Promise<ResetOutcome> {
  for (let attempt = 1; ; attempt++) {
    const record = await store.read();
    if (record === null || record.state === 'closed') return { kind: 'notOpen', record };
    const written: BreakerRecord = { ...record, state: 'closed', resetAt: now(), resetBy: `${user} (breaker reset)` };
    try {
      await store.write(written, () => true, store.resourceVersion);
    } catch (error) {
      if (error instanceof ApiError && error.code === 409 && attempt < RESET_ATTEMPTS) continue;
      throw error;
    }
    return { kind: 'reset', record, written };
  }
}

/** The User-Agent of `breaker status|reset`: their requests are told apart from the controller's by it. */
export const BREAKER_CLI_USER_AGENT = 'device-taint-evictor-breaker';

/** What `breaker reset` prints (text output). */
export function resetText(configMap: string, outcome: ResetOutcome): string {
  if (outcome.kind === 'notOpen') return `Breaker ${configMap} is not open; nothing to reset.\n`;
  return (
    `Breaker ${configMap} reset. The leader releases the ${evictions(outcome.record.heldPods, 'held')} within a few ` +
    'seconds; the window counts afresh.\n'
  );
}

export interface BreakerClientOptions {
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly namespace: string;
  readonly name?: string;
}

/**
 * Runs `use` with the record's store over a client built from a kubeconfig (explicit, KUBECONFIG, …),
 * and the kubeconfig's user (for `resetBy`); closes the client afterwards. The client is imported here,
 * when it is needed.
 */
export async function withBreakerStore<T>(
  options: BreakerClientOptions,
  use: (store: BreakerRecordStore, user: string) => Promise<T>,
): Promise<T> {
  const [{ loadKubeconfig }, { ApiConnection }, { KeepAliveApiClient }] = await Promise.all([
    import('./kubeconfig.js'),
    import('./connection.js'),
    import('./keepAlive.js'),
  ]);
  const loaded = loadKubeconfig({ kubeconfig: options.kubeconfig, context: options.context });
  const connection = await ApiConnection.fromKubeConfig(loaded.kc);
  const api = new KeepAliveApiClient(connection, { userAgent: BREAKER_CLI_USER_AGENT });
  try {
    const store = new BreakerRecordStore(api, options.namespace, options.name ?? DEFAULT_BREAKER_NAME);
    const user = loaded.kc.getCurrentUser()?.name || os.userInfo().username;
    return await use(store, user);
  } finally {
    await api.close();
    connection.credentials.close();
  }
}
