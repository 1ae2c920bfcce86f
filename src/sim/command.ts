// `device-taint-evictor sim`: a seeded simulated cluster on 127.0.0.1 that runs until SIGINT/SIGTERM.

import type { DraVersion, RuleVersion } from './resources.js';
import { seedCluster } from './seed.js';
import { startSimServer } from './server.js';

export interface SimCommandOptions {
  readonly port?: number;
  readonly nodes?: number;
  readonly devicesPerNode?: number;
  readonly pods?: number;
  readonly namespaces?: number;
  readonly toleratingRatio?: number;
  readonly tolerationSeconds?: number | null;
  /** Fraction of devices with an informational (None) XID taint. */
  readonly noneTaintRatio?: number;
  readonly ruleVersions?: RuleVersion[];
  readonly draVersions?: DraVersion[];
  /** Where to write the kubeconfig; default `./sim.kubeconfig`. */
  readonly kubeconfigOut?: string;
  readonly watchHistory?: number;
  readonly bookmarkIntervalMs?: number;
  readonly podGracePeriodMs?: number;
  readonly seed?: number;
  /** Output sink (default: stdout). */
  readonly print?: (line: string) => void;
  /** Resolves to stop the server (default: first SIGINT or SIGTERM). */
  readonly until?: Promise<void>;
}

const untilSignal = (): Promise<void> =>
  new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });

export async function runSimCommand(opts: SimCommandOptions = {}): Promise<void> {
  const print = opts.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const server = await startSimServer({
    port: opts.port ?? 0,
    ruleVersions: opts.ruleVersions,
    draVersions: opts.draVersions,
    watchHistory: opts.watchHistory,
    bookmarkIntervalMs: opts.bookmarkIntervalMs,
    podDeletion: opts.podGracePeriodMs !== undefined ? { gracePeriodMs: opts.podGracePeriodMs } : undefined,
  });
  try {
    const summary = seedCluster(server.store, {
      nodes: opts.nodes ?? 10,
      devicesPerNode: opts.devicesPerNode ?? 8,
      pods: opts.pods ?? 100,
      namespaces: opts.namespaces,
      toleratingRatio: opts.toleratingRatio,
      tolerationSeconds: opts.tolerationSeconds,
      noneTaintRatio: opts.noneTaintRatio,
      seed: opts.seed,
    });
    const kubeconfigPath = opts.kubeconfigOut ?? 'sim.kubeconfig';
    await server.writeKubeconfig(kubeconfigPath);
    print(`simulated apiserver listening on ${server.url}`);
    print(`kubeconfig written to ${kubeconfigPath}`);
    print(
      `seeded ${summary.nodes} nodes, ${summary.devices} devices, ${summary.pods} pods/claims ` +
        `(${summary.toleratingPods} tolerating) in ${Math.round(summary.durationMs)} ms; resourceVersion ${summary.resourceVersion}`,
    );
    await (opts.until ?? untilSignal());
  } finally {
    await server.close();
  }
}
