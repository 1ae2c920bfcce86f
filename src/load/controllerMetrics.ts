// Optional: the controller's own count of its API calls (`device_taint_evictor_api_calls_total`, by
// verb, resource and code), scraped from its /metrics before the storm and after the wait. The watch
// only shows the writes that changed something; the counter also has retries, 429s, conflicts and the
// writes the load generator cannot attribute, so with it the writes per eviction fed to the budget
// model are the controller's real ones. A scraped replica that wrote nothing is a standby: ignored.

import { readFile } from 'node:fs/promises';
import { Agent, request } from 'undici';

export const API_CALLS_METRIC = 'device_taint_evictor_api_calls_total';
const WRITE_VERBS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** The writes of an eviction: condition patch, event, delete. */
const EVICTION_RESOURCES = new Set(['pods', 'pods/status', 'events']);

export interface ApiWriteCounts {
  /** Every write (POST/PUT/PATCH/DELETE), any resource, any code. */
  readonly writes: number;
  /** Writes to pods, pods/status and events: the eviction executor's. */
  readonly evictionWrites: number;
  /** Answers 429 (Too Many Requests) from the API server: its own throttling (APF), not our budget. */
  readonly throttledByServer: number;
}

const ZERO: ApiWriteCounts = { writes: 0, evictionWrites: 0, throttledByServer: 0 };

/** Parses `{a="x",b="y"}` label sets of the Prometheus text format (values without escaped quotes). */
function labelsOf(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) out[m[1]!] = m[2]!;
  return out;
}

/** Sums the API call counter of one scrape (Prometheus text exposition format). */
export function parseApiWrites(text: string): ApiWriteCounts {
  let writes = 0;
  let evictionWrites = 0;
  let throttledByServer = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${API_CALLS_METRIC}{`)) continue;
    const close = line.lastIndexOf('}');
    const value = Number(
      line
        .slice(close + 1)
        .trim()
        .split(/\s+/)[0],
    );
    if (close < 0 || !Number.isFinite(value)) continue;
    const labels = labelsOf(line.slice(API_CALLS_METRIC.length + 1, close));
    if (labels.code === '429') throttledByServer += value;
    if (!WRITE_VERBS.has((labels.verb ?? '').toUpperCase())) continue;
    writes += value;
    if (EVICTION_RESOURCES.has(labels.resource ?? '')) evictionWrites += value;
  }
  return { writes, evictionWrites, throttledByServer };
}

export const diffWrites = (before: ApiWriteCounts, after: ApiWriteCounts): ApiWriteCounts => ({
  writes: Math.max(0, after.writes - before.writes),
  evictionWrites: Math.max(0, after.evictionWrites - before.evictionWrites),
  throttledByServer: Math.max(0, after.throttledByServer - before.throttledByServer),
});

export interface MetricsSource {
  readonly url: string;
  /** File holding a bearer token (e.g. from `kubectl create token`), for --metrics-secure. */
  readonly tokenFile?: string;
  /** Accept the controller's self-signed certificate. */
  readonly insecure?: boolean;
  readonly timeoutMs?: number;
}

export interface MetricsScraper {
  /** GETs the URL once. */
  scrape(): Promise<ApiWriteCounts>;
  close(): Promise<void>;
}

export function metricsScraper(source: MetricsSource): MetricsScraper {
  const dispatcher = new Agent({
    connect: { rejectUnauthorized: source.insecure !== true },
    headersTimeout: source.timeoutMs ?? 10_000,
    bodyTimeout: source.timeoutMs ?? 10_000,
  });
  const scrape = async (): Promise<ApiWriteCounts> => {
    const headers: Record<string, string> = { accept: 'text/plain' };
    if (source.tokenFile !== undefined)
      headers.authorization = `Bearer ${(await readFile(source.tokenFile, 'utf8')).trim()}`;
    const res = await request(source.url, { method: 'GET', headers, dispatcher });
    const body = await res.body.text();
    if (res.statusCode !== 200)
      throw new Error(`GET ${source.url} answered ${res.statusCode}: ${body.slice(0, 200).trim()}`);
    return parseApiWrites(body);
  };
  return { scrape, close: () => dispatcher.close() };
}

export { ZERO as NO_API_WRITES };
