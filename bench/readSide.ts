// The controller's read side as benchmarks build it against a simulated cluster: the HTTP read
// transport from a kubeconfig, discovery, the engine with a status writer that writes nothing, every
// informer attached to it, and (with decode threads) the piscina page decoder the controller would use.
// Not started: the caller starts the informers inside whatever it measures.

import type { KubeConfig } from '@kubernetes/client-node';
import { discoverApis, resourcesFor } from '../src/kube/discovery.js';
import { InformerSet } from '../src/kube/informers.js';
import { PooledPageDecoder } from '../src/kube/pageDecode/pool.js';
import { HttpReadTransport } from '../src/kube/readTransport.js';
import type { EvictionEngine } from '../src/main/engine/engine.js';
import { createEngineWithRuleStatus } from '../src/main/engine/wiring.js';
import { RealClock } from '../src/shared/clock.js';
import type { EvictionSink } from '../src/shared/decisions.js';
import { silentLogger } from '../src/shared/logger.js';

export interface ReadSide {
  readonly transport: HttpReadTransport;
  readonly informers: InformerSet;
  readonly engine: EvictionEngine;
  /** The list-page pool, or null when pages are decoded on the main thread. */
  readonly decoder: PooledPageDecoder | null;
  /** Stops the informers and the rule status loop, closes the pool (if still open) and the transport. */
  close(): Promise<void>;
}

export async function startReadSide(
  kc: KubeConfig,
  opts: { readonly sink: EvictionSink; readonly decodeThreads: number },
): Promise<ReadSide> {
  const transport = await HttpReadTransport.fromKubeConfig(kc);
  const apis = await discoverApis(transport);
  const clock = new RealClock();
  const { engine, ruleStatus } = createEngineWithRuleStatus({
    clock,
    sink: opts.sink,
    log: silentLogger,
    writer: { apply: async () => {} },
  });
  // As the controller does (src/main/app/bootstrap.ts): list pages decoded in a piscina pool when it has threads.
  const decoder = opts.decodeThreads > 0 ? new PooledPageDecoder({ threads: opts.decodeThreads }) : null;
  const informers = new InformerSet(transport, resourcesFor(apis), { clock, ...(decoder === null ? {} : { decoder }) });
  informers.attach(engine);
  return {
    transport,
    informers,
    engine,
    decoder,
    async close() {
      ruleStatus.stop();
      await informers.stop();
      await decoder?.close();
      await transport.close();
    },
  };
}
