import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { arrayField, field, stringField, timeValue } from '../../src/load/json.js';
import { TaintLedger } from '../../src/load/ledger.js';
import type { LoadOptions } from '../../src/load/options.js';
import { createPopulation, type Population, type PopulationPlan, planPopulation } from '../../src/load/population.js';
import { churnStorm } from '../../src/load/storms/churn.js';
import { clusterRuleStorm, ruleName } from '../../src/load/storms/clusterRule.js';
import { abbreviate, gpuLostStorm } from '../../src/load/storms/gpuLost.js';
import { rollingStorm } from '../../src/load/storms/rolling.js';
import { SliceTainter } from '../../src/load/storms/sliceTainter.js';
import { RealClock } from '../../src/shared/clock.js';
import { type LoadSim, startLoadSim, testOptions } from './loadSim.js';
import { stormContext } from './stormContext.js';

const SLICES = 'resourceslices.resource.k8s.io';
const RULES = 'devicetaintrules.resource.k8s.io';

/** device name → taints of one stored slice. */
function taintsBySlice(env: LoadSim): Map<string, Map<string, unknown[]>> {
  const out = new Map<string, Map<string, unknown[]>>();
  for (const slice of env.sim.store.list(SLICES)) {
    const devices = new Map<string, unknown[]>();
    for (const d of arrayField(slice, 'spec', 'devices'))
      devices.set(stringField(d, 'name'), [...arrayField(d, 'taints')]);
    out.set(stringField(slice, 'spec', 'nodeName'), devices);
  }
  return out;
}

describe('storms against the simulated API server', () => {
  let env: LoadSim;
  let simNow = Date.UTC(2030, 0, 1, 12, 0, 0);
  let opts: LoadOptions;
  let plan: PopulationPlan;
  let population: Population;

  beforeEach(async () => {
    simNow = Date.UTC(2030, 0, 1, 12, 0, 0);
    env = await startLoadSim({ clock: () => simNow });
    opts = testOptions({ pods: 32, nodes: 4, rate: 200, churnSeconds: 0.1, ruleStatusWait: 10 });
    plan = planPopulation(opts, 'st');
    population = await createPopulation(env.cluster, plan, { concurrency: 16 });
  });
  afterEach(async () => {
    await env.close();
  });

  it('gpu-lost taints all 8 devices of k nodes with NoExecute and records the server timeAdded', async () => {
    const ctx = stormContext(env.cluster, { ...opts, lostNodes: 2 }, plan, population.pods);
    const result = await gpuLostStorm(ctx);

    const lost = result.details.lostNodeNames;
    expect(result.details.lostNodes).toBe(2);
    expect(typeof lost === 'string' ? lost.split(',') : []).toHaveLength(2);
    const bySlice = taintsBySlice(env);
    let taintedNodes = 0;
    for (const [node, devices] of bySlice) {
      const tainted = [...devices.values()].filter((t) => t.length > 0).length;
      if (tainted === 0) continue;
      taintedNodes++;
      expect(typeof lost === 'string' && lost.split(',').includes(node)).toBe(true);
      expect(tainted).toBe(8);
      for (const taints of devices.values()) {
        expect(taints).toEqual([
          { key: 'gpu.nvidia.com/xid', value: '79', effect: 'NoExecute', timeAdded: '2030-01-01T12:00:00Z' },
        ]);
      }
    }
    expect(taintedNodes).toBe(2);
    expect(result.devicesTainted).toBe(16);
    expect(env.sim.requests.count({ verb: 'patch', resource: 'resourceslices' })).toBe(2);

    // Pods on lost nodes are due at the server's timeAdded; others never.
    for (const pod of population.pods) {
      const onLost = typeof lost === 'string' && lost.split(',').includes(pod.nodeName);
      expect(ctx.ledger.dueTime(pod)).toBe(onLost ? simNow : null);
    }
    expect(ctx.ledger.taints().every((t) => t.serverStamped)).toBe(true);
  });

  it('abbreviates long node lists for the table', () => {
    expect(abbreviate(['a', 'b', 'c'], 2)).toBe('a,b … (+1 more)');
    expect(abbreviate(['a', 'b'], 2)).toBe('a,b');
  });

  it('slice taint patches resend earlier taints with their original timeAdded', async () => {
    const ledger = new TaintLedger();
    const tainter = new SliceTainter(env.cluster, ledger, new RealClock());
    const slice = plan.slices[0];
    if (slice === undefined) throw new Error('no slice');
    const taint = { key: 'gpu.nvidia.com/xid', value: '79', effect: 'NoExecute' };
    const first = await tainter.taint(slice, ['gpu-0'], taint);
    simNow += 60_000;
    // gpu-0 again together with gpu-1: gpu-0 keeps its first time, in the cluster and in the ledger.
    const second = await tainter.taint(slice, ['gpu-0', 'gpu-1'], taint);
    expect(second - first).toBe(60_000);
    const devices = taintsBySlice(env).get(slice.nodeName);
    expect(timeValue(field(devices?.get('gpu-0')?.[0], 'timeAdded'))).toBe(first);
    expect(timeValue(field(devices?.get('gpu-1')?.[0], 'timeAdded'))).toBe(second);
    expect(devices?.get('gpu-2')).toEqual([]);
    expect(ledger.taintedSince({ driver: slice.driver, pool: slice.pool, device: 'gpu-0' })).toBe(first);
    expect(ledger.taintedSince({ driver: slice.driver, pool: slice.pool, device: 'gpu-1' })).toBe(second);
  });

  it('rolling taints the requested number of in-use devices, one slice patch each', async () => {
    const ctx = stormContext(env.cluster, { ...opts, rollingDevices: 5 }, plan, population.pods);
    const result = await rollingStorm(ctx);
    expect(result.operations).toBe(5);
    const tainted = [...taintsBySlice(env).values()].flatMap((devices) =>
      [...devices.values()].filter((t) => t.length > 0),
    );
    expect(tainted).toHaveLength(5);
    expect(env.sim.requests.count({ verb: 'patch', resource: 'resourceslices' })).toBe(5);
    expect(ctx.ledger.taints()).toHaveLength(5);
    // Every tainted device is one a pod uses.
    const due = population.pods.filter((p) => ctx.ledger.dueTime(p) !== null);
    expect(due).toHaveLength(5);
  });

  it('cluster-rule creates a None rule, reports the dry-run status, then flips it to NoExecute', async () => {
    const name = ruleName(plan.runId);
    const dryRunMessage = '0 published devices selected. 32 allocated devices selected. 32 pods would be evicted';
    const effects: string[] = [];
    // Play the controller: answer the rule with a dry-run status, as upstream does for effect None.
    const watch = env.sim.store.watch(RULES, {}, undefined, (type, entry) => {
      const rule = JSON.parse(entry.json.toString('utf8')) as unknown;
      effects.push(`${type}:${stringField(rule, 'spec', 'taint', 'effect')}`);
      if (type !== 'ADDED') return;
      setImmediate(() =>
        env.sim.store.patch(
          RULES,
          '',
          name,
          'merge',
          {
            status: {
              conditions: [
                {
                  type: 'EvictionInProgress',
                  status: 'False',
                  reason: 'NoEffect',
                  message: dryRunMessage,
                  observedGeneration: 1,
                  lastTransitionTime: '2030-01-01T12:00:00Z',
                },
              ],
            },
          },
          { subresource: 'status' },
        ),
      );
    });
    try {
      const ctx = stormContext(env.cluster, opts, plan, population.pods);
      simNow += 5_000;
      const result = await clusterRuleStorm(ctx);
      expect(result.details.dryRunMessage).toBe(dryRunMessage);
      expect(result.details.dryRunReason).toBe('NoEffect');
      expect(effects[0]).toBe('ADDED:None');
      expect(effects.at(-1)).toBe('MODIFIED:NoExecute');

      const rule = env.sim.store.get(RULES, '', name);
      expect(field(rule, 'spec', 'deviceSelector')).toEqual({ driver: 'gpu.nvidia.com' });
      expect(field(rule, 'spec', 'taint', 'effect')).toBe('NoExecute');
      expect(timeValue(field(rule, 'spec', 'taint', 'timeAdded'))).toBe(simNow);
      expect(env.sim.requests.count({ verb: 'create', resource: 'devicetaintrules' })).toBe(1);
      // Every pod of the driver is due at the escalation's timeAdded.
      for (const pod of population.pods) expect(ctx.ledger.dueTime(pod)).toBe(simNow);
    } finally {
      watch.stop();
    }
  });

  it('cluster-rule refuses a driver that slices outside the run publish', async () => {
    env.sim.store.create(SLICES, {
      apiVersion: 'resource.k8s.io/v1',
      kind: 'ResourceSlice',
      metadata: { name: 'real-gpu-node' },
      spec: {
        driver: 'gpu.nvidia.com',
        pool: { name: 'real', generation: 1, resourceSliceCount: 1 },
        nodeName: 'real',
        devices: [],
      },
    });
    const ctx = stormContext(env.cluster, opts, plan, population.pods);
    await expect(clusterRuleStorm(ctx)).rejects.toThrow(/refusing cluster-rule/);
    expect(env.sim.store.list(RULES)).toHaveLength(0);
  });

  it('churn deletes pods with their claims and creates replacements on the freed devices', async () => {
    const ctx = stormContext(env.cluster, { ...opts, rate: 100, churnSeconds: 0.1 }, plan, population.pods);
    const result = await churnStorm(ctx);
    expect(result.details.deleted).toBe(5);
    expect(result.details.created).toBe(5);
    expect(ctx.selfDeleted.size).toBe(5);
    const stored = env.sim.store.list('pods', { namespace: opts.namespace });
    expect(stored).toHaveLength(32);
    const storedUids = new Set(stored.map((p) => stringField(p, 'metadata', 'uid')));
    for (const uid of ctx.selfDeleted) expect(storedUids.has(uid)).toBe(false);
    expect(env.sim.store.list('resourceclaims.resource.k8s.io', { namespace: opts.namespace })).toHaveLength(32);
    expect(ctx.pods).toHaveLength(32);
    for (const pod of ctx.pods) expect(storedUids.has(pod.uid)).toBe(true);
  });
});
