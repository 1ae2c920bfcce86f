// A deliberately tiny stand-in for the eviction controller, driven by the simulated store's own watch:
// when a slice device gains a NoExecute taint, every claim allocated to it gets its pod patched with the
// DisruptionTarget condition, an event, and a delete at taint time + tolerationSeconds. `evictForever`
// makes it buggy on purpose, to prove the generator catches wrongful evictions.

import { arrayField, field, stringField, timeValue } from '../../src/load/json.js';
import type { SimServer } from '../../src/sim/index.js';

export interface FakeEvictor {
  readonly evicted: string[];
  stop(): void;
}

export function startFakeEvictor(sim: SimServer, opts: { readonly evictForever?: boolean } = {}): FakeEvictor {
  const { store } = sim;
  const evicted: string[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const seen = new Set<string>();

  const evict = (namespace: string, name: string, uid: string) => {
    const pod = store.get('pods', namespace, name);
    if (pod === undefined || stringField(pod, 'metadata', 'uid') !== uid) return;
    store.patch(
      'pods',
      namespace,
      name,
      'merge',
      {
        status: { conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'DeletionByDeviceTaintManager' }] },
      },
      { subresource: 'status' },
    );
    store.create('events', {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { namespace, name: `${name}.evict` },
      involvedObject: { kind: 'Pod', namespace, name, uid },
      reason: 'DeviceTaintManagerEviction',
      message: 'Marking for deletion',
      type: 'Normal',
    });
    store.delete('pods', namespace, name, { preconditions: { uid } });
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
          const fire = () => evict(namespace, stringField(consumer, 'name'), stringField(consumer, 'uid'));
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
    stop() {
      watch.stop();
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}
