// Shared fixtures for the simulated apiserver tests: a server per test, client-node clients bound
// to it, and condition waits with a deadline (never fixed sleeps).

import * as k8s from '@kubernetes/client-node';
import { type SimServer, type SimServerOptions, startSimServer } from '../../src/sim/index.js';

export interface Harness {
  readonly server: SimServer;
  readonly kc: k8s.KubeConfig;
  readonly core: k8s.CoreV1Api;
  readonly resource: k8s.ResourceV1Api;
  readonly custom: k8s.CustomObjectsApi;
}

export async function startHarness(opts: SimServerOptions = {}): Promise<Harness> {
  const server = await startSimServer(opts);
  const kc = new k8s.KubeConfig();
  kc.loadFromString(server.kubeconfigYaml());
  return {
    server,
    kc,
    core: kc.makeApiClient(k8s.CoreV1Api),
    resource: kc.makeApiClient(k8s.ResourceV1Api),
    custom: kc.makeApiClient(k8s.CustomObjectsApi),
  };
}

/** The HTTP status code of a rejected client-node call (ApiException.code or Watch error.statusCode). */
export function errorCode(err: unknown): number | undefined {
  if (typeof err === 'object' && err !== null) {
    if ('code' in err && typeof err.code === 'number') return err.code;
    if ('statusCode' in err && typeof err.statusCode === 'number') return err.statusCode;
  }
  return undefined;
}

/** The parsed Status body of a rejected client-node call. */
export function errorBody(err: unknown): Record<string, unknown> {
  if (typeof err === 'object' && err !== null && 'body' in err) {
    const body = err.body;
    if (typeof body === 'string') return JSON.parse(body) as Record<string, unknown>;
    if (typeof body === 'object' && body !== null) return body as Record<string, unknown>;
  }
  throw new Error(`not an API error: ${String(err)}`);
}

export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err: unknown) {
    return err;
  }
  throw new Error('expected the call to fail');
}

/** A raw request against the server (for content types and fields client-node's models drop). */
export async function raw(
  server: SimServer,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(server.url + path, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': contentType },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
    headers: res.headers,
  };
}

export const podManifest = (name: string, namespace = 'default', extra: Partial<k8s.V1Pod> = {}): k8s.V1Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace, labels: { app: 'demo' } },
  spec: { containers: [{ name: 'main', image: 'busybox' }] },
  ...extra,
});
