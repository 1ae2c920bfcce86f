import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { createLogger, formatTextLine } from '../../src/shared/log.js';

class Collector {
  readonly lines: string[] = [];
  write(line: string): void {
    this.lines.push(line);
  }
}

describe('pino logger', () => {
  it('writes JSON lines with level label, ISO time, message and fields', () => {
    const out = new Collector();
    const log = createLogger({ destination: out, bindings: { shard: 2 } });
    log.info('deleted pod', { pod: 'default/p(u1)', reasons: ['rule:evict:1'] });
    expect(out.lines).toHaveLength(1);
    const record = JSON.parse(out.lines[0] ?? '') as Record<string, unknown>;
    expect(record.level).toBe('info');
    expect(record.msg).toBe('deleted pod');
    expect(record.pod).toBe('default/p(u1)');
    expect(record.reasons).toEqual(['rule:evict:1']);
    expect(record.shard).toBe(2);
    expect(typeof record.time).toBe('string');
    expect(Number.isNaN(Date.parse(String(record.time)))).toBe(false);
  });

  it('honours the level', () => {
    const out = new Collector();
    const log = createLogger({ destination: out, level: 'warn' });
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    expect(out.lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['w', 'e']);
    expect(log.isLevelEnabled('info')).toBe(false);
  });

  it('renders text format as one readable line per record', () => {
    const out = new Collector();
    const log = createLogger({ destination: out, format: 'text', level: 'debug' });
    log.child({ shard: 1 }).warn('failed to record event', { event: 'Marking for deletion', code: 500 });
    expect(out.lines).toHaveLength(1);
    expect(out.lines[0]).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z WARN {2}failed to record event shard=1 event="Marking for deletion" code=500\n$/,
    );
  });

  it('formats non-JSON input verbatim instead of dropping it', () => {
    expect(formatTextLine('not json')).toBe('not json\n');
  });
});

describe('pino logger in a worker thread', () => {
  it('logs from a shard worker with the same formatting', async () => {
    const file = join(tmpdir(), `log-test-${process.pid}-${Date.now()}.log`);
    try {
      const worker = new Worker(new URL('./logWorker.mjs', import.meta.url), { workerData: { file } });
      const message = await new Promise<unknown>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      await worker.terminate();
      expect(message).toBe('done');
      expect(readFileSync(file, 'utf8')).toMatch(/^\S+Z INFO {2}worker ready shard=3 partition=p3\n$/);
    } finally {
      rmSync(file, { force: true });
    }
  });
});
