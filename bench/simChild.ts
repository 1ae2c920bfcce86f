// The simulated API server of a benchmark, in its own process (forked by bench/simProcess.ts): seeds a
// GPU cluster, then performs what the benchmark asks over IPC (taint, churn, count requests) and times
// pod deletions where they happen, in the server, so "DELETE acknowledged" is the server's own clock.

import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import type { Histogram } from 'hdr-histogram-js';
import { seedCluster, startSimServer } from '../src/sim/index.js';
import type { JsonObject } from '../src/sim/json.js';
import { seedNodeName } from '../src/sim/seed.js';
import { formatTime } from '../src/sim/store.js';
import { waitFor } from '../test/support/waitFor.js';
import { cdfPoints, latencyHistogram, summarize } from './harness.js';
import {
  isSimParentMessage,
  type SimChildMessage,
  type SimChildParams,
  type SimRequest,
  type SimStats,
} from './simProtocol.js';

const DRIVER = 'gpu.nvidia.com';
const TAINT_KEY = 'gpu.nvidia.com/xid';
const RULES = 'devicetaintrules.resource.k8s.io';
const SLICES = 'resourceslices.resource.k8s.io';

const params = JSON.parse(process.env.BENCH_SIM_PARAMS ?? '{}') as SimChildParams;
const nowMs = (): number => performance.timeOrigin + performance.now();

const send = (message: SimChildMessage): void => {
  process.send?.(message);
};

const sim = await startSimServer({ port: 0, requestLogCapacity: 0, watchHistory: params.watchHistory ?? 100_000 });
const seeded = seedCluster(sim.store, {
  nodes: params.nodes,
  pods: params.pods,
  ...(params.namespaces === undefined ? {} : { namespaces: params.namespaces }),
  ...(params.toleratingRatio === undefined ? {} : { toleratingRatio: params.toleratingRatio }),
  ...(params.tolerationSeconds === undefined ? {} : { tolerationSeconds: params.tolerationSeconds }),
});

let podsDeleted = 0;
/** Taint write time per node index, for paced tainting. */
const taintWrittenAt = new Map<number, number>();
let pacedHistogram: Histogram | null = null;

// Deletions are timed in the store, inside the DELETE request, just before its response is written.
sim.store.watch('pods', {}, undefined, (type, entry) => {
  if (type !== 'DELETED') return;
  podsDeleted++;
  if (pacedHistogram === null) return;
  const match = /^trainer-(\d+)$/.exec(entry.name);
  if (match === null) return;
  const node = Number(match[1]) % params.nodes;
  const writtenAt = taintWrittenAt.get(node);
  if (writtenAt !== undefined) pacedHistogram.recordValue(Math.max(1, Math.round((nowMs() - writtenAt) * 1000)));
});

function ruleObject(name: string, effect: string, timeAddedMs: number): JsonObject {
  return {
    apiVersion: 'resource.k8s.io/v1',
    kind: 'DeviceTaintRule',
    metadata: { name },
    spec: {
      deviceSelector: { driver: DRIVER },
      taint: { key: TAINT_KEY, value: '79', effect, timeAdded: formatTime(timeAddedMs) },
    },
  };
}

function taintSlice(node: number): void {
  const name = `${seedNodeName(node)}-${DRIVER}`;
  const slice = sim.store.get(SLICES, '', name);
  if (slice === undefined) throw new Error(`slice ${name} not found`);
  const spec = slice.spec as JsonObject;
  const taint = { key: TAINT_KEY, value: '79', effect: 'NoExecute', timeAdded: formatTime(Date.now()) };
  spec.devices = (spec.devices as JsonObject[]).map((d) => ({ ...d, taints: [taint] }));
  taintWrittenAt.set(node, nowMs());
  sim.store.update(SLICES, slice);
}

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `step(i)` for i = 0…count-1 at `ratePerSec`, catching up in batches when timers are late. */
async function paced(count: number, ratePerSec: number, step: (i: number) => void): Promise<number> {
  const started = nowMs();
  let done = 0;
  while (done < count) {
    const due = Math.min(count, Math.floor(((nowMs() - started) / 1000) * ratePerSec) + 1);
    while (done < due) step(done++);
    await tick(Math.max(1, Math.min(10, 1000 / ratePerSec)));
  }
  return nowMs() - started;
}

let churnSeq = 0;
const churnLive: string[] = [];

function churnStep(i: number): void {
  const namespace = 'team-00';
  switch (i % 3) {
    case 0: {
      // The creation time in the name lets the controller measure watch lag without a shared clock API.
      const name = `churn-${churnSeq++}-${Math.round(nowMs() * 1000)}`;
      sim.store.create('pods', {
        metadata: { name, namespace, labels: { app: 'churn' } },
        spec: { nodeName: seedNodeName(churnSeq % params.nodes), containers: [{ name: 'c', image: 'x' }] },
      });
      churnLive.push(name);
      break;
    }
    case 1: {
      const name = churnLive[churnLive.length - 1];
      if (name !== undefined)
        sim.store.patch('pods', namespace, name, 'merge', { metadata: { labels: { step: String(i) } } });
      break;
    }
    default: {
      const name = churnLive.shift();
      if (name !== undefined) sim.store.delete('pods', namespace, name);
    }
  }
}

const VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'discovery'] as const;

function stats(): SimStats {
  const requests: Record<string, number> = {};
  for (const verb of VERBS) requests[verb] = sim.requests.count({ verb });
  requests['patch pods/status'] = sim.requests.count({ verb: 'patch', resource: 'pods', subresource: 'status' });
  requests['delete pods'] = sim.requests.count({ verb: 'delete', resource: 'pods' });
  // A DELETE answered 404 is a second DELETE of a pod already gone: it must stay 0.
  requests['delete pods 404'] = sim.requests.count({ verb: 'delete', resource: 'pods', code: 404 });
  requests['create events'] =
    sim.requests.count({ verb: 'create', resource: 'events' }) +
    sim.requests.count({ verb: 'create', resource: 'events', group: 'events.k8s.io' });
  requests['get pods'] = sim.requests.count({ verb: 'get', resource: 'pods' });
  requests['rule status writes'] = sim.requests.count({ resource: 'devicetaintrules', subresource: 'status' });
  return {
    podsLeft: sim.store.count('pods'),
    podsDeleted,
    cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
    requests,
    pacedLatency: pacedHistogram === null ? null : summarize(pacedHistogram),
    pacedCdf: pacedHistogram === null ? [] : cdfPoints(pacedHistogram),
  };
}

let profiler: Session | null = null;

async function handle(request: SimRequest): Promise<unknown> {
  switch (request.op) {
    case 'profileStart':
      profiler = new Session();
      profiler.connect();
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.setSamplingInterval', { interval: 100 });
      await profiler.post('Profiler.start');
      return null;
    case 'profileStop': {
      if (profiler === null) throw new Error('profileStop without profileStart');
      const { profile } = await profiler.post('Profiler.stop');
      writeFileSync(request.path, JSON.stringify(profile));
      profiler.disconnect();
      profiler = null;
      return null;
    }
    case 'createRule':
      sim.store.create(RULES, ruleObject(request.name, request.effect, request.timeAddedMs));
      return nowMs();
    case 'updateRuleEffect':
      sim.store.patch(RULES, '', request.name, 'merge', {
        spec: { taint: { effect: request.effect, timeAdded: formatTime(request.timeAddedMs) } },
      });
      return nowMs();
    case 'taintSlicesPaced':
      pacedHistogram = latencyHistogram();
      return paced(request.count, request.ratePerSec, taintSlice);
    case 'churn':
      return paced(Math.round((request.ratePerSec * request.durationMs) / 1000), request.ratePerSec, churnStep);
    case 'waitDeleted': {
      await waitFor(
        () => podsDeleted >= request.count,
        request.timeoutMs,
        () => `${request.count} pods deleted (${podsDeleted} so far)`,
        10,
      );
      return nowMs();
    }
    case 'stats':
      return stats();
    case 'resetRequests':
      sim.requests.reset();
      return null;
  }
}

process.on('message', (message: unknown) => {
  if (!isSimParentMessage(message)) return;
  handle(message.request).then(
    (value) => send({ type: 'reply', id: message.id, ok: true, value }),
    (error: unknown) =>
      send({
        type: 'reply',
        id: message.id,
        ok: false,
        error: error instanceof Error ? error.message : String(error),
      }),
  );
});
// The parent going away (crash, Ctrl-C) must not leave a server behind.
process.on('disconnect', () => {
  void sim.close().finally(() => process.exit(0));
});

send({ type: 'ready', kubeconfigYaml: sim.kubeconfigYaml(), seedMs: seeded.durationMs });
