// `device-taint-evictor breaker status|reset`: the operator's side of the blast-radius breaker. The
// breaker's state lives in a ConfigMap (src/kube/breakerRecord.ts); `status` reads it, `reset` turns it
// closed, and the leader, which looks at it every 2 s, releases what it held. The same reset with
// kubectl:
//
//   kubectl -n <namespace> patch configmap device-taint-evictor-breaker --type merge -p '{"data":{"state":"closed"}}'
//
// Only the flags live here; the Kubernetes client is imported when a subcommand runs.

import os from 'node:os';
import { type Command, Option } from 'commander';
import { type BreakerRecord, type BreakerRecordStore, DEFAULT_BREAKER_NAME } from '../kube/breakerRecord.js';
import { oneOf } from './parseFlags.js';

interface BreakerFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  name?: string;
  output: 'text' | 'json' | 'yaml';
}

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

/** The human view of `breaker status`. */
export function statusText(out: BreakerStatusOutput, now: number = Date.now()): string {
  const [ns, name] = out.configMap.split('/');
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
    lines.push(`Held:      ${out.heldPods} due evictions (nothing is lost; they start after a reset)`);
    if (out.causes.length > 0) lines.push('Causes:', ...out.causes.map((c) => `  ${c}`));
    if (out.heldPodNames.length > 0)
      lines.push(
        `Held pods${out.heldPodNames.length < out.heldPods ? ` (first ${out.heldPodNames.length})` : ''}:`,
        ...out.heldPodNames.map((p) => `  ${p}`),
      );
    lines.push(
      `Reset:     device-taint-evictor breaker reset --namespace ${ns}${name === DEFAULT_BREAKER_NAME ? '' : ` --name ${name}`}`,
      `     or:   kubectl -n ${ns} patch configmap ${name} --type merge -p '{"data":{"state":"closed"}}'`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Reads the record with a client built from the kubeconfig flags; closes the client after `use`. */
async function withStore<T>(
  flags: BreakerFlags,
  use: (store: BreakerRecordStore, user: string) => Promise<T>,
): Promise<T> {
  const [{ loadKubeconfig }, { ApiConnection }, { KeepAliveApiClient }, { BreakerRecordStore }] = await Promise.all([
    import('../kube/kubeconfig.js'),
    import('../kube/connection.js'),
    import('../kube/keepAlive.js'),
    import('../kube/breakerRecord.js'),
  ]);
  const loaded = loadKubeconfig({
    ...(flags.kubeconfig !== undefined ? { kubeconfig: flags.kubeconfig } : {}),
    ...(flags.context !== undefined ? { context: flags.context } : {}),
  });
  const connection = await ApiConnection.fromKubeConfig(loaded.kc);
  const api = new KeepAliveApiClient(connection, { userAgent: 'device-taint-evictor-breaker' });
  try {
    const store = new BreakerRecordStore(api, namespaceOf(flags), flags.name ?? DEFAULT_BREAKER_NAME);
    const user = loaded.kc.getCurrentUser()?.name || os.userInfo().username;
    return await use(store, user);
  } finally {
    await api.close();
    connection.credentials.close();
  }
}

/** The controller's default: its own namespace in a pod, else the Lease's default namespace. */
const namespaceOf = (flags: BreakerFlags): string => flags.namespace ?? (process.env.POD_NAMESPACE || 'kube-system');

async function print(flags: BreakerFlags, out: BreakerStatusOutput, text: string): Promise<void> {
  if (flags.output === 'json') process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  else if (flags.output === 'yaml') {
    const { stringify } = await import('yaml');
    process.stdout.write(stringify(out));
  } else process.stdout.write(text);
}

/** How often `reset` reads again after the record changed under it (a concurrent opening). */
const RESET_ATTEMPTS = 3;

export function registerBreakerCommand(program: Command): void {
  const breaker = program
    .command('breaker')
    .description("Show or reset the blast-radius breaker (its state is a ConfigMap in the controller's namespace).");
  const common = (command: Command): Command =>
    command
      .option('--kubeconfig <path>', 'path to a kubeconfig file')
      .option('--context <name>', 'kubeconfig context to use')
      .option(
        '-n, --namespace <ns>',
        "the controller's --breaker-namespace (default: $POD_NAMESPACE, else kube-system)",
      )
      .option('--name <name>', "the controller's --breaker-name (default: device-taint-evictor-breaker)")
      .addOption(
        new Option('-o, --output <format>', 'text, json or yaml')
          .argParser(oneOf(['text', 'json', 'yaml'] as const))
          .default('text'),
      );
  common(breaker.command('status').description('Show the state, why it opened, and what it holds.')).action(
    async (flags: BreakerFlags) => {
      await withStore(flags, async (store) => {
        const record = await store.read();
        const out = statusOutput(`${store.namespace}/${store.name}`, record);
        await print(flags, out, statusText(out));
      });
    },
  );
  common(
    breaker
      .command('reset')
      .description(
        'Acknowledge an open breaker: the leader releases every eviction it holds, and the window counts afresh.',
      ),
  ).action(async (flags: BreakerFlags) => {
    await withStore(flags, async (store, user) => {
      const { ApiError } = await import('../kube/apiClient.js');
      for (let attempt = 1; ; attempt++) {
        const record = await store.read();
        if (record === null || record.state === 'closed') {
          const out = statusOutput(`${store.namespace}/${store.name}`, record);
          await print(flags, out, `Breaker ${out.configMap} is not open; nothing to reset.\n`);
          return;
        }
        const resetAt = Date.now();
        try {
          // The record's resourceVersion as a precondition: an opening written meanwhile is read again.
          await store.write(
            { ...record, state: 'closed', resetAt, resetBy: `${user} (breaker reset)` },
            () => true,
            store.resourceVersion,
          );
        } catch (error) {
          if (error instanceof ApiError && error.code === 409 && attempt < RESET_ATTEMPTS) continue;
          throw error;
        }
        const out = statusOutput(`${store.namespace}/${store.name}`, { ...record, state: 'closed', resetAt });
        await print(
          flags,
          { ...out, heldPods: record.heldPods },
          `Breaker ${out.configMap} reset. The leader releases the ${record.heldPods} held evictions within a few seconds; the window counts afresh.\n`,
        );
        return;
      }
    });
  });
}
