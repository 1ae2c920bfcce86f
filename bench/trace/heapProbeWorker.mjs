// Bench-only shard worker entry (bench/workerQueueBytes.ts): the real worker (the module named by
// argv[2]) plus one extra message, `heapProbe`, answered after two full collections with the thread's
// V8 heap statistics. The real worker drops the probe as an invalid message; the supervisor drops the
// answer likewise; the bench listens for it on the Worker object itself.
import v8 from 'node:v8';
import { parentPort } from 'node:worker_threads';

parentPort?.on('message', (m) => {
  if (m === null || typeof m !== 'object' || m.t !== 'heapProbe') return;
  globalThis.gc?.();
  globalThis.gc?.();
  const h = v8.getHeapStatistics();
  parentPort?.postMessage({
    t: 'heapProbe',
    used: h.used_heap_size,
    total: h.total_heap_size,
    limit: h.heap_size_limit,
    peakMalloced: h.peak_malloced_memory,
  });
});
await import(process.argv[2]);
