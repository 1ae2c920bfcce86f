// undici's connection pool without the rest of undici. `import { Pool } from 'undici'` runs undici's
// index.js, which loads every dispatcher (agents, proxies, HTTP/2, retries), fetch, WebSocket,
// EventSource, the cache and the mocks: about 7 MB of heap in every thread that opens a pool — each
// shard worker and the main thread (bench/footprint.ts; a worker's heap goes from ≈ 17.7 to ≈ 10.5 MB).
// We use a Pool and its `request` method only, so only those load: lib/dispatcher/pool.js, and
// lib/api/api-request.js attached to the Dispatcher prototype exactly as index.js attaches its API
// (`Object.assign(Dispatcher.prototype, api)`; loading index.js later assigns the same function again).
//
// These are undici's internal paths: undici is pinned exactly in package.json, and
// test/kube/undiciPool.test.ts fails when an upgrade moves them or the pool stops working.

import { createRequire } from 'node:module';
import type { Pool as PoolType } from 'undici';

const require = createRequire(import.meta.url);

const Dispatcher = require('undici/lib/dispatcher/dispatcher.js') as { prototype: object };
const request = require('undici/lib/api/api-request.js') as PoolType['request'];
if (!('request' in Dispatcher.prototype)) Object.assign(Dispatcher.prototype, { request });

/** undici's Pool class (the same class `import { Pool } from 'undici'` gives). */
export const Pool = require('undici/lib/dispatcher/pool.js') as typeof PoolType;
export type Pool = PoolType;
