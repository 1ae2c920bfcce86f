// undiciPool.ts loads undici's Pool and its request API from undici's internal paths: the class must be
// undici's own, a request must work in a process that never loaded undici's index.js, and that index
// must indeed stay unloaded (the point: ≈ 7 MB per thread).

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Pool } from '../../src/kube/undiciPool.js';

describe('undiciPool', () => {
  it('is undici’s own Pool class', async () => {
    const undici = await import('undici');
    expect(Pool).toBe(undici.Pool);
  });

  it('sends a request in a process that never loads undici’s index', () => {
    const connection = new URL('../../src/kube/connection.ts', import.meta.url).href;
    const script = `
      import { createServer } from 'node:http';
      import { createRequire } from 'node:module';
      const { ApiConnection } = await import(${JSON.stringify(connection)});
      const server = createServer((req, res) => res.end(JSON.stringify({ path: req.url, method: req.method })));
      await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
      const conn = new ApiConnection(
        { server: 'http://127.0.0.1:' + server.address().port + '/base', tls: { rejectUnauthorized: false } },
        { current: async () => ({ generation: 0, headers: {} }), afterUnauthorized: async () => ({ generation: 0, headers: {} }) },
      );
      const pool = conn.createPool({ connections: 1 });
      const res = await pool.request({ method: 'GET', path: conn.requestPath('/api/v1/pods') });
      const body = await res.body.json();
      await pool.close();
      server.close();
      const loaded = Object.keys(createRequire(import.meta.url).cache).filter((k) => k.includes('/undici/'));
      console.log(JSON.stringify({ status: res.statusCode, body, index: loaded.some((k) => k.endsWith('/undici/index.js')), modules: loaded.length }));
    `;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      stdio: ['ignore', 'pipe', 'inherit'],
    }).toString();
    const result = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as {
      status: number;
      body: unknown;
      index: boolean;
      modules: number;
    };
    expect(result.status).toBe(200);
    expect(result.body).toEqual({ path: '/base/api/v1/pods', method: 'GET' });
    expect(result.index).toBe(false);
    expect(result.modules).toBeGreaterThan(0);
  });
});
