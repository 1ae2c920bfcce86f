// `device-taint-evictor breaker status|reset`: the operator's side of the blast-radius breaker. The
// breaker's state lives in a ConfigMap (src/kube/breakerRecord.ts); `status` reads it, `reset` turns it
// closed, and the leader, which looks at it every 2 s, releases what it held (src/kube/breakerStatus.ts,
// which the demo uses too). The same reset with kubectl:
//
//   kubectl -n <namespace> patch configmap device-taint-evictor-breaker --type merge -p '{"data":{"state":"closed"}}'
//
// Only the flags live here; the Kubernetes client is imported when a subcommand runs.

import { type Command, Option } from 'commander';
import type { BreakerStatusOutput } from '../kube/breakerStatus.js';
import { oneOf } from './parseFlags.js';

interface BreakerFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  name?: string;
  output: 'text' | 'json' | 'yaml';
}

export type { BreakerStatusOutput };

/** The controller's default: its own namespace in a pod, else the Lease's default namespace. */
const namespaceOf = (flags: BreakerFlags): string => flags.namespace ?? (process.env.POD_NAMESPACE || 'kube-system');

async function print(flags: BreakerFlags, out: BreakerStatusOutput, text: string): Promise<void> {
  if (flags.output === 'json') process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  else if (flags.output === 'yaml') {
    const { stringify } = await import('yaml');
    process.stdout.write(stringify(out));
  } else process.stdout.write(text);
}

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
  const clientOptions = (flags: BreakerFlags) => ({
    ...(flags.kubeconfig !== undefined ? { kubeconfig: flags.kubeconfig } : {}),
    ...(flags.context !== undefined ? { context: flags.context } : {}),
    namespace: namespaceOf(flags),
    ...(flags.name !== undefined ? { name: flags.name } : {}),
  });
  common(breaker.command('status').description('Show the state, why it opened, and what it holds.')).action(
    async (flags: BreakerFlags) => {
      const { withBreakerStore, statusOutput, statusText } = await import('../kube/breakerStatus.js');
      await withBreakerStore(clientOptions(flags), async (store) => {
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
    const { withBreakerStore, resetBreaker, resetText, statusOutput } = await import('../kube/breakerStatus.js');
    await withBreakerStore(clientOptions(flags), async (store, user) => {
      const outcome = await resetBreaker(store, user);
      const configMap = `${store.namespace}/${store.name}`;
      const text = resetText(configMap, outcome);
      if (outcome.kind === 'notOpen') {
        await print(flags, statusOutput(configMap, outcome.record), text);
        return;
      }
      await print(flags, { ...statusOutput(configMap, outcome.written), heldPods: outcome.record.heldPods }, text);
    });
  });
}
