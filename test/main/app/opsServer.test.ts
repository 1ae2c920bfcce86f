import { afterEach, describe, expect, it } from 'vitest';
import { ControllerMetrics } from '../../../src/main/app/metrics.js';
import { type OpsServer, parseBindAddress, startOpsServer } from '../../../src/main/app/opsServer.js';
import { FakeClock } from '../../../src/shared/clock.js';
import { silentLogger } from '../../../src/shared/logger.js';

describe('parseBindAddress', () => {
  it('parses host:port, :port, [v6]:port and 0', () => {
    expect(parseBindAddress('127.0.0.1:0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseBindAddress(':8080')).toEqual({ host: undefined, port: 8080 });
    expect(parseBindAddress('[::1]:9090')).toEqual({ host: '::1', port: 9090 });
    expect(parseBindAddress('localhost:10257')).toEqual({ host: 'localhost', port: 10257 });
    expect(parseBindAddress('0')).toBeNull();
  });

  it('rejects malformed addresses instead of silently disabling the endpoint', () => {
    for (const bad of ['8080', 'host:', 'host:port', ':70000', '::1:80', ''])
      expect(() => parseBindAddress(bad)).toThrow();
  });
});

describe('ops server', () => {
  let server: OpsServer | null = null;
  afterEach(async () => {
    await server?.close();
    server = null;
  });

  it('serves /metrics, /healthz always and /readyz only once synced', async () => {
    const metrics = new ControllerMetrics({ clock: new FakeClock() });
    metrics.recordResult({
      pod: { namespace: 'default', name: 'p', uid: 'u' },
      outcome: 'deleted',
      fireAt: 0,
      doneAt: 10,
      attempts: 1,
      reasons: [],
    });
    let synced = false;
    server = await startOpsServer({
      bindAddress: '127.0.0.1:0',
      metrics,
      isReady: () => synced,
      log: silentLogger,
    });
    expect(server).not.toBeNull();
    const base = `http://127.0.0.1:${server?.address.port}`;
    expect(server?.address.port).toBeGreaterThan(0);

    const m = await fetch(`${base}/metrics`);
    expect(m.status).toBe(200);
    expect(m.headers.get('content-type')).toContain('text/plain');
    expect(await m.text()).toMatch(/^device_taint_eviction_controller_pod_deletions_total 1$/m);

    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const notReady = await fetch(`${base}/readyz`);
    expect(notReady.status).toBe(503);
    await notReady.text();
    synced = true;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('is disabled by bind address 0', async () => {
    const none = await startOpsServer({
      bindAddress: '0',
      metrics: new ControllerMetrics({ clock: new FakeClock() }),
      isReady: () => true,
      log: silentLogger,
    });
    expect(none).toBeNull();
  });

  it('fails to start on a port in use', async () => {
    const metrics = new ControllerMetrics({ clock: new FakeClock() });
    server = await startOpsServer({ bindAddress: '127.0.0.1:0', metrics, isReady: () => true, log: silentLogger });
    const taken = `127.0.0.1:${server?.address.port}`;
    await expect(
      startOpsServer({ bindAddress: taken, metrics, isReady: () => true, log: silentLogger }),
    ).rejects.toThrow(/EADDRINUSE/);
  });
});
