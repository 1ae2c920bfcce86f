// Reads the controller's ops endpoint the way Prometheus and the kubelet's probes do.

import { waitFor } from './waitFor.js';

export const DELETIONS = 'device_taint_eviction_controller_pod_deletions_total';
export const DELETION_LATENCY_COUNT = 'device_taint_eviction_controller_pod_deletion_duration_seconds_count';

export async function httpGet(port: number, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text() };
}

/** The value of an unlabelled sample in Prometheus text format; undefined when absent. */
export function sample(text: string, name: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const [key, value] = line.trim().split(/\s+/);
    if (key === name && value !== undefined) return Number(value);
  }
  return undefined;
}

/**
 * The sample of `name` in Prometheus text format whose labels are exactly `labels` (values unescaped
 * as far as the tests need: no quotes or backslashes in them); undefined when absent.
 */
export function labelledSample(
  text: string,
  name: string,
  labels: Readonly<Record<string, string>>,
): number | undefined {
  const wanted = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort()
    .join(',');
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}\s+(\S+)/.exec(line.trim());
    if (match === null || match[1] !== name) continue;
    const have = match[2]!
      .split(/,(?=[a-zA-Z_][a-zA-Z0-9_]*=")/)
      .filter((pair) => pair !== '')
      .sort()
      .join(',');
    if (have === wanted) return Number(match[3]);
  }
  return undefined;
}

/** The sum of every sample of `name`, whatever its labels (e.g. a gauge per shard); 0 when absent. */
export function sampleSum(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{[^}]*\})?\s+(\S+)/.exec(line.trim());
    if (match !== null && match[1] === name) sum += Number(match[2]);
  }
  return sum;
}

export async function scrapeSum(port: number, name: string): Promise<number> {
  return sampleSum(await metricsText(port), name);
}

async function metricsText(port: number): Promise<string> {
  const res = await httpGet(port, '/metrics');
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}: ${res.body}`);
  return res.body;
}

export async function scrape(
  port: number,
  name: string,
  labels?: Readonly<Record<string, string>>,
): Promise<number | undefined> {
  const text = await metricsText(port);
  return labels === undefined ? sample(text, name) : labelledSample(text, name, labels);
}

/** Scrapes until `name` satisfies `done` (metrics trail the events they count); returns the value. */
export async function waitForSample(
  port: number,
  name: string,
  done: (value: number) => boolean,
  timeoutMs = 10_000,
  labels?: Readonly<Record<string, string>>,
): Promise<number> {
  let last: number | undefined;
  await waitFor(
    async () => {
      last = await scrape(port, name, labels);
      return last !== undefined && done(last);
    },
    timeoutMs,
    () => `${name}${labels === undefined ? '' : JSON.stringify(labels)} (last scrape: ${String(last)})`,
    // Below the ops server's scrape limit (5 renders/s, burst 10), so that waiting never earns a 429.
    250,
  );
  return last!;
}
