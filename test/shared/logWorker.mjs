// Worker entry for log.test.ts: loads src/shared/log.ts inside a worker thread (which does not inherit
// vitest's loader, so tsx is registered first, as src/workers/workerShim.mjs does) and logs one line.
import { parentPort, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import { register } from 'tsx/esm/api';

register();
const { createLogger } = await import('../../src/shared/log.ts');
const log = createLogger({
  format: 'text',
  bindings: { shard: 3 },
  destination: pino.destination({ dest: workerData.file, sync: true }),
});
log.info('worker ready', { partition: 'p3' });
parentPort.postMessage('done');
