import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ThrottledLoadCluster } from '../../src/load/clientBudget.js';
import type { LoadCluster } from '../../src/load/cluster.js';
import { diffWrites, metricsScraper, parseApiWrites } from '../../src/load/controllerMetrics.js';

/** A LoadCluster whose calls return at once and are counted; only what the tests call is real. */
function countingCluster(): { cluster: LoadCluster; calls: string[] } {
  const calls: string[] = [];
  const handler: ProxyHandler<object> = {
    get: (_t, prop) => async () => {
      calls.push(String(prop));
      return prop === 'draVersion' ? 'v1' : { items: [], resourceVersion: '1' };
    },
  };
  return { cluster: new Proxy({}, handler) as LoadCluster, calls };
}

describe('ThrottledLoadCluster (--qps/--burst of the load generator itself)', () => {
  it('lets the burst through, then makes requests wait for tokens, and counts the wait', async () => {
    const { cluster, calls } = countingCluster();
    const throttled = new ThrottledLoadCluster(cluster, { qps: 50, burst: 2 });
    const start = Date.now();
    await Promise.all(Array.from({ length: 5 }, (_, i) => throttled.listPods('ns', `i=${i}`)));
    const elapsed = Date.now() - start;
    expect(calls).toEqual(Array(5).fill('listPods'));
    // Burst 2 at once, then 20 ms apart: the fifth waits ≈ 60 ms.
    expect(elapsed).toBeGreaterThanOrEqual(55);
    const stats = throttled.stats();
    expect(stats).toMatchObject({ qps: 50, burst: 2, requests: 5, throttled: 3 });
    // 20 + 40 + 60 ms, give or take the timers.
    expect(stats.waitMs).toBeGreaterThanOrEqual(100);
  });

  it('takes no token for cached discovery', async () => {
    const { cluster } = countingCluster();
    const throttled = new ThrottledLoadCluster(cluster, { qps: 1, burst: 1 });
    await throttled.draVersion();
    await throttled.draVersion();
    expect(throttled.stats().requests).toBe(0);
  });
});

const METRICS = `# HELP device_taint_evictor_api_calls_total Kubernetes API calls made for evictions, events, rule status and leader election, by verb, resource and HTTP code (0 = no response).
# TYPE device_taint_evictor_api_calls_total counter
device_taint_evictor_api_calls_total{verb="PATCH",resource="pods/status",code="200"} 10
device_taint_evictor_api_calls_total{verb="POST",resource="events",code="201"} 10
device_taint_evictor_api_calls_total{verb="DELETE",resource="pods",code="200"} 9
device_taint_evictor_api_calls_total{verb="DELETE",resource="pods",code="429"} 2
device_taint_evictor_api_calls_total{verb="PUT",resource="leases",code="200"} 5
device_taint_evictor_api_calls_total{verb="GET",resource="leases",code="200"} 7
device_taint_eviction_controller_pod_deletions_total 9
`;

describe("the controller's /metrics (--controller-metrics)", () => {
  let server: Server | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
    server = undefined;
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('sums writes by kind from api_calls_total; GETs are not writes; 429s are the API server throttling', () => {
    expect(parseApiWrites(METRICS)).toEqual({ writes: 36, evictionWrites: 31, throttledByServer: 2 });
    expect(parseApiWrites('')).toEqual({ writes: 0, evictionWrites: 0, throttledByServer: 0 });
    expect(
      diffWrites(
        { writes: 10, evictionWrites: 9, throttledByServer: 1 },
        { writes: 46, evictionWrites: 40, throttledByServer: 3 },
      ),
    ).toEqual({ writes: 36, evictionWrites: 31, throttledByServer: 2 });
  });

  it('scrapes with the bearer token from a file and fails loudly on a refusal', async () => {
    const seen: (string | undefined)[] = [];
    server = createServer((req, res) => {
      seen.push(req.headers.authorization);
      if (req.headers.authorization !== 'Bearer s3cret') {
        res.writeHead(401).end('Unauthorized');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' }).end(METRICS);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
    dir = await mkdtemp(path.join(tmpdir(), 'dte-metrics-'));
    const tokenFile = path.join(dir, 'token');
    await writeFile(tokenFile, 's3cret\n');

    const withToken = metricsScraper({ url, tokenFile });
    expect(await withToken.scrape()).toEqual({ writes: 36, evictionWrites: 31, throttledByServer: 2 });
    await withToken.close();
    const without = metricsScraper({ url });
    await expect(without.scrape()).rejects.toThrow(/answered 401: Unauthorized/);
    await without.close();
    expect(seen).toEqual(['Bearer s3cret', undefined]);
  });
});
