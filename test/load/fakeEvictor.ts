// A deliberately tiny stand-in for the eviction controller, driven by the simulated store's own watch:
// when a slice device gains a NoExecute taint, every claim allocated to it gets its pod patched with the
// DisruptionTarget condition, an event, and a delete at taint time + tolerationSeconds. `evictForever`
// makes it buggy on purpose, to prove the generator catches wrongful evictions. `budget` makes every
// write wait for a token of a shared bucket, as the real controller's --kube-api-qps does; `writes`
// counts them as the controller's api_calls_total would.

import { arrayField, field, stringField, timeValue } from '../../src/load/json.js';
import { SharedTokenBucket } from '../../src/shared/tokenBucket.js';
import type { SimServer } from '../../src/sim/index.js';

export interface FakeEvictor {
  readonly evicted: string[];
  /** Writes made so far, by `VERB resource` (e.g. `PATCH pods/status`). */
  readonly writes: Map<string, number>;
  stop(): void;
}

export interface FakeEvictorOptions {
  readonly evictForever?: boolean;
  /** A write budget (tokens per second and burst) every write waits for. */
  readonly budget?: { readonly qps: number; readonly burst: number };
}

export function startFakeEvictor(sim: SimServer, opts: FakeEvictorOptions = {}): FakeEvictor {
  const { store } = sim;
  const evicted: string[] = [];
  const writes = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  const seen = new Set<string>();
  const bucket = opts.budget === undefined ? null : new SharedTokenBucket(SharedTokenBucket.createSpec(opts.budget));
  let stopped = false;
  const write = async (what: string, fn: () => void): Promise<boolean> => {
    await bucket?.acquire();
    if (stopped) return false;
    try {
      fn();
    } catch {
      // The pod went away while this write waited for its token (cleanup, a replacement): done.
      return false;
    }
    writes.set(what, (writes.get(what) ?? 0) + 1);
    return true;
  };

  const evict = async (namespace: string, name: string, uid: string) => {
    const pod = store.get('pods', namespace, name);
    if (pod === undefined || stringField(pod, 'metadata', 'uid') !== uid) return;
    const patched = await write('PATCH pods/status', () =>
      store.patch(
        'pods',
        namespace,
        name,
        'merge',
        {
          status: {
            conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'DeletionByDeviceTaintManager' }],
          },
        },
        { subresource: 'status' },
      ),
    );
    if (!patched) return;
    const evented = await write('POST events', () =>
      store.create('events', {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { namespace, name: `${name}.evict` },
        involvedObject: { kind: 'Pod', namespace, name, uid },
        reason: 'DeviceTaintManagerEviction',
        message: 'Marking for deletion',
        type: 'Normal',
      }),
    );
    if (!evented) return;
    if (await write('DELETE pods', () => store.delete('pods', namespace, name, { preconditions: { uid } })))
      evicted.push(name);
  };

  const onTaint = (driver: string, pool: string, device: string, timeAdded: number) => {
    for (const claim of store.list('resourceclaims.resource.k8s.io')) {
      for (const result of arrayField(claim, 'status', 'allocation', 'devices', 'results')) {
        if (
          stringField(result, 'driver') !== driver ||
          stringField(result, 'pool') !== pool ||
          stringField(result, 'device') !== device
        )
          continue;
        let seconds = 0;
        let forever = false;
        for (const t of arrayField(result, 'tolerations')) {
          const s = field(t, 'tolerationSeconds');
          if (typeof s === 'number') seconds = s;
          else forever = true;
        }
        if (forever && opts.evictForever !== true) continue;
        const namespace = stringField(claim, 'metadata', 'namespace');
        for (const consumer of arrayField(claim, 'status', 'reservedFor')) {
          const fire = () => void evict(namespace, stringField(consumer, 'name'), stringField(consumer, 'uid'));
          const timer = setTimeout(
            () => {
              timers.delete(timer);
              fire();
            },
            Math.max(0, timeAdded + seconds * 1000 - Date.now()),
          );
          timers.add(timer);
        }
      }
    }
  };

  const watch = store.watch('resourceslices.resource.k8s.io', {}, undefined, (type, entry) => {
    if (type === 'DELETED') return;
    const slice = JSON.parse(entry.json.toString('utf8')) as unknown;
    const driver = stringField(slice, 'spec', 'driver');
    const pool = stringField(slice, 'spec', 'pool', 'name');
    for (const device of arrayField(slice, 'spec', 'devices')) {
      for (const taint of arrayField(device, 'taints')) {
        if (stringField(taint, 'effect') !== 'NoExecute') continue;
        const key = `${pool}/${stringField(device, 'name')}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const timeAdded = timeValue(field(taint, 'timeAdded')) ?? Date.now();
        // Outside the store's listener: the evictor writes to the store itself.
        setImmediate(() => onTaint(driver, pool, stringField(device, 'name'), timeAdded));
      }
    }
  });

  return {
    evicted,
    writes,
    stop() {
      stopped = true;
      watch.stop();
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}
