// A shard worker entry for tests (like src/workers/workerShim.mjs) that refuses @kubernetes/client-node:
// tsx's loader first, then noClientNodeHooks.mjs in front of it, then the real worker.
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

registerTsx();
register('./noClientNodeHooks.mjs', import.meta.url);
await import('../../src/workers/workerMain.ts');
