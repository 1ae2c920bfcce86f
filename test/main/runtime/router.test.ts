import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ShardRouter, type ShardTransport } from '../../../src/main/runtime/router.js';
import { decodeOps } from '../../../src/shared/messages/ops.js';
import type { OpsMessage } from '../../../src/shared/messages/types.js';
import { shardOf } from '../../../src/shared/shardHash.js';

class RecordingTransport implements ShardTransport {
  readonly sent: { shard: number; message: OpsMessage }[] = [];
  constructor(readonly shardCount: number) {}
  send(shard: number, message: OpsMessage): void {
    this.sent.push({ shard, message });
  }
}

const nextMacrotask = () => new Promise<void>((resolve) => setImmediate(resolve));
const pod = (i: number) => ({ namespace: `ns-${i % 3}`, name: `pod-${i}`, uid: `uid-${i}` });

describe('ShardRouter', () => {
  it('batches per shard and sends once per macrotask', async () => {
    const transport = new RecordingTransport(3);
    const router = new ShardRouter(transport);
    for (let i = 0; i < 50; i++) router.schedule(pod(i), 1000 + i, [`rule:r${i}:u`]);
    expect(transport.sent).toHaveLength(0);
    await nextMacrotask();
    expect(transport.sent.length).toBeLessThanOrEqual(3);
    expect(new Set(transport.sent.map((s) => s.shard)).size).toBe(transport.sent.length);
    for (const { shard, message } of transport.sent)
      for (const op of decodeOps(message.ops)) expect(shardOf(op, 3)).toBe(shard);
    expect(transport.sent.reduce((n, s) => n + s.message.ops.length, 0)).toBe(50);
    const routed = transport.sent.flatMap((s) => decodeOps(s.message.ops));
    const byUid = (x: { uid: string }, y: { uid: string }) => x.uid.localeCompare(y.uid);
    expect(routed.sort(byUid)).toEqual(
      Array.from({ length: 50 }, (_, i) => ({
        k: 'schedule',
        ...pod(i),
        fireAt: 1000 + i,
        reasons: [`rule:r${i}:u`],
      })).sort(byUid),
    );
    router.cancel(pod(1), true);
    await nextMacrotask();
    const last = transport.sent.at(-1)?.message.ops;
    expect(last && decodeOps(last)).toEqual([{ k: 'cancel', ...pod(1), emitEvent: true }]);
    expect(router.stats()).toMatchObject({ opsRouted: 51, batchesSent: transport.sent.length });
  });

  it('preserves the order of ops for each pod across batches', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.boolean(), fc.boolean()), { maxLength: 60 }),
        async (steps) => {
          const transport = new RecordingTransport(4);
          const router = new ShardRouter(transport);
          const expected = new Map<string, string[]>();
          for (const [i, isSchedule, flushNow] of steps) {
            const ref = pod(i);
            if (isSchedule) router.schedule(ref, i, []);
            else router.cancel(ref, false);
            expected.set(ref.uid, [...(expected.get(ref.uid) ?? []), isSchedule ? 'schedule' : 'cancel']);
            if (flushNow) await nextMacrotask();
          }
          await nextMacrotask();
          const seen = new Map<string, string[]>();
          for (const { message } of transport.sent)
            for (const op of decodeOps(message.ops)) seen.set(op.uid, [...(seen.get(op.uid) ?? []), op.k]);
          expect(seen).toEqual(expected);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('flushes synchronously on demand and drops ops after stop', async () => {
    const transport = new RecordingTransport(2);
    const router = new ShardRouter(transport);
    router.schedule(pod(1), 1, []);
    router.stop();
    expect(transport.sent).toHaveLength(1);
    router.schedule(pod(2), 1, []);
    router.cancel(pod(1), true);
    await nextMacrotask();
    expect(transport.sent).toHaveLength(1);
    expect(router.stats().droppedAfterStop).toBe(2);
  });
});
