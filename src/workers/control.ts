// Both ends of the comlink control channel, so callers never touch comlink directly.

import type { MessagePort } from 'node:worker_threads';
import { expose, type Remote, wrap } from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { WorkerControlApi } from './controlApi.js';

/** Worker side: serve `api` on `port` (the port keeps the worker alive while it is open). */
export function serveControl(port: MessagePort, api: WorkerControlApi): void {
  expose(api, nodeEndpoint(port));
}

/** Main side: a typed proxy whose calls travel over `port`. */
export function connectControl(port: MessagePort): Remote<WorkerControlApi> {
  return wrap<WorkerControlApi>(nodeEndpoint(port));
}
