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

export async function scrape(port: number, name: string): Promise<number | undefined> {
  const res = await httpGet(port, '/metrics');
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}: ${res.body}`);
  return sample(res.body, name);
}

/** Scrapes until `name` satisfies `done` (metrics trail the events they count); returns the value. */
export async function waitForSample(
  port: number,
  name: string,
  done: (value: number) => boolean,
  timeoutMs = 10_000,
): Promise<number> {
  let last: number | undefined;
  await waitFor(
    async () => {
      last = await scrape(port, name);
      return last !== undefined && done(last);
    },
    timeoutMs,
    () => `${name} (last scrape: ${String(last)})`,
    // Below the ops server's scrape limit (5 renders/s, burst 10), so that waiting never earns a 429.
    250,
  );
  return last!;
}
