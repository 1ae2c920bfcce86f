// Property: through the reflectors' watch and relist paths, the controller deletes a pod only when the
// cluster as it stands says the pod must go now. Random bursts of writes to slices, claims, pods and
// DeviceTaintRules (some malformed) reach a real InformerSet → EvictionEngine → InlineRuntime stack
// (test/support/reflectedEngine.ts) either as one watch chunk or, missed by the watch, through a relist.
//
// Checked, in the order a failure is most telling:
// - deletions: whenever the executor is asked to evict a pod, a fresh engine fed the reflectors' current
//   contents (`list()` of each resource) at the current time has that pod due at or before now — and so
//   does one fed what the apiserver holds, read with the quarantine policy (the caches could be wrong
//   too: the keep-last-copy bug kept a taint the slice no longer had in them);
// - decisions: every `schedule` that passes the sync gate, and every "Cancelling deletion" event, is for
//   a pod that some state the cluster really went through during that step (the state before it, or
//   the state after any single write of it) would evict. This is what catches a relist that shows the
//   engine a state the cluster never had (deleting a pool's newest slice before adding its successor
//   makes an older generation current): the queue's deferred start keeps such a transient from
//   deleting anything, but it still reaches the runtime and writes a false event;
// - the caches: after every step each reflector holds exactly the quarantine policy's view of what
//   the apiserver holds (readable objects, a slice placeholder for an unreadable slice, nothing for
//   any other unreadable object);
// - liveness at the end: every pod the final state says is due has been evicted.
//
// The generator writes the way drivers and the apiserver do, which the reflector's relist order relies
// on: a pool's generation never goes down with a write (a written slice gets at least the pool's current
// generation), device names are unique among slices of one generation, a claim's allocation never
// changes (a new allocation is a new claim object), and timestamps are always set. A relist step drops
// at most one slice of a pool: see the known hazard in reflectorEngine.test.ts.
//
// FC_SEED overrides the seed; FC_RUNS the number of runs.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyOf, type ResourceDescriptor, type StoredRecord } from '../../src/kube/resources.js';
import { type PodRef, podUidKey } from '../../src/shared/types.js';
import {
  MALFORMED_TAINT,
  type RawDevice,
  type RawTaint,
  rawClaim,
  rawPod,
  rawRule,
  rawSlice,
} from '../support/rawObjects.js';
import { decide, PATHS, RESOURCES, ReflectedEngine, type Resource, type Snapshot } from '../support/reflectedEngine.js';
import type { WatchLine } from '../support/scriptedApi.js';

const S = 1_000;
const T0 = Date.UTC(2026, 0, 1);
const POOL = 'node-1';
const DEVICES = ['gpu-0', 'gpu-1', 'gpu-2', 'gpu-3'];
const SLICES = ['s-a', 's-b', 's-c'];
const PODS = 3;
const SEED = Number(process.env.FC_SEED ?? 20_260_101);
const RUNS = Number(process.env.FC_RUNS ?? 300);

// ---- Writes -------------------------------------------------------------------------------------

type TaintSpec = { readonly effect: 'NoExecute' | 'None'; readonly ageS: number } | null;
type DeviceSpec = { readonly device: number; readonly taint: TaintSpec };

type Write =
  | { k: 'slice'; slice: number; bump: boolean; devices: DeviceSpec[]; malformed: boolean }
  | { k: 'deleteSlice'; slice: number }
  /** A driver republishing a pool under another slice name: the new generation first, then the old slice goes. */
  | { k: 'swap'; from: number; to: number; devices: DeviceSpec[] }
  | { k: 'claim'; pod: number; device: number; toleration: number | 'forever' | null; malformed: boolean }
  | { k: 'deleteClaim'; pod: number }
  | { k: 'pod'; pod: number; recreate: boolean; malformed: boolean }
  | { k: 'deletePod'; pod: number }
  | { k: 'rule'; device: number | null; effect: 'NoExecute' | 'None'; ageS: number; malformed: boolean }
  | { k: 'deleteRule' };

type Step =
  | { k: 'watch'; writes: Write[] }
  | { k: 'relist'; resource: Resource; writes: Write[] }
  | { k: 'advance'; ms: number };

/** Malformed in about one write of eight. */
const malformedArb = fc.integer({ min: 1, max: 100 }).map((n) => n <= 12);
const deviceIndex = fc.integer({ min: 0, max: DEVICES.length - 1 });
const podIndex = fc.integer({ min: 0, max: PODS - 1 });
const sliceIndex = fc.integer({ min: 0, max: SLICES.length - 1 });
const taintArb: fc.Arbitrary<TaintSpec> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(null) },
  {
    weight: 3,
    arbitrary: fc.record({
      effect: fc.constantFrom('NoExecute' as const, 'NoExecute' as const, 'None' as const),
      ageS: fc.integer({ min: 0, max: 40 }),
    }),
  },
);
const devicesArb = fc.array(fc.record({ device: deviceIndex, taint: taintArb }), { minLength: 0, maxLength: 3 });

const sliceWrites: fc.Arbitrary<Write> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant('slice' as const),
      slice: sliceIndex,
      bump: fc.boolean(),
      devices: devicesArb,
      malformed: malformedArb,
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('deleteSlice' as const), slice: sliceIndex }) },
  {
    weight: 4,
    arbitrary: fc.record({ k: fc.constant('swap' as const), from: sliceIndex, to: sliceIndex, devices: devicesArb }),
  },
);
const claimWrites: fc.Arbitrary<Write> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant('claim' as const),
      pod: podIndex,
      device: deviceIndex,
      toleration: fc.constantFrom(null, null, 0, 5, 30, 'forever' as const),
      malformed: malformedArb,
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('deleteClaim' as const), pod: podIndex }) },
);
const podWrites: fc.Arbitrary<Write> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant('pod' as const),
      pod: podIndex,
      recreate: fc.boolean(),
      malformed: malformedArb,
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('deletePod' as const), pod: podIndex }) },
);
const ruleWrites: fc.Arbitrary<Write> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant('rule' as const),
      device: fc.option(deviceIndex, { nil: null }),
      effect: fc.constantFrom('NoExecute' as const, 'None' as const),
      ageS: fc.integer({ min: 0, max: 40 }),
      malformed: malformedArb,
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('deleteRule' as const) }) },
);
const writesOf: Record<Resource, fc.Arbitrary<Write>> = {
  slices: sliceWrites,
  claims: claimWrites,
  pods: podWrites,
  rules: ruleWrites,
};
const anyWrite = fc.oneof(
  { weight: 4, arbitrary: sliceWrites },
  { weight: 2, arbitrary: claimWrites },
  { weight: 2, arbitrary: podWrites },
  { weight: 1, arbitrary: ruleWrites },
);

const resourceArb = fc.constantFrom<Resource>('slices', 'slices', 'slices', 'claims', 'pods', 'rules');
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant('watch' as const),
      writes: fc.array(anyWrite, { minLength: 1, maxLength: 4 }),
    }),
  },
  {
    weight: 4,
    arbitrary: resourceArb.chain((resource) =>
      fc.record({
        k: fc.constant('relist' as const),
        resource: fc.constant(resource),
        writes: fc.array(writesOf[resource], { minLength: 1, maxLength: 4 }),
      }),
    ),
  },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 20 * S }) }) },
);

/**
 * The cluster to start from (besides every pod with its claim): a pool that went through a generation
 * bump and still holds a slice of the older generation — devices of which are often tainted, the
 * leftover a wrong relist order would bring back — then random writes.
 */
const initialArb: fc.Arbitrary<Write[]> = fc
  .tuple(
    fc.array(fc.record({ device: deviceIndex, taint: taintArb }), { minLength: 1, maxLength: 3 }),
    devicesArb,
    fc.array(anyWrite, { minLength: 0, maxLength: 6 }),
  )
  .map(([leftover, current, more]) => [
    { k: 'slice', slice: 0, bump: false, devices: leftover, malformed: false },
    { k: 'slice', slice: 1, bump: true, devices: current, malformed: false },
    ...more,
  ]);

// ---- The cluster: applies writes to the ScriptedApi the reflectors read -------------------------------

class Cluster {
  private seq = 0;
  /** Generation and published device indexes of each slice in the api, for the generator's rules. */
  private readonly slices = new Map<string, { generation: number; devices: number[] }>();
  private readonly podUids = new Map<number, string>();

  constructor(private readonly rig: ReflectedEngine) {}

  /** Applies `w` to the api; returns the watch lines that report it, in order. */
  apply(w: Write): (WatchLine | null)[] {
    const api = this.rig.api;
    const now = this.rig.clock.now();
    switch (w.k) {
      case 'slice':
        return [this.putSlice(SLICES[w.slice]!, w.bump, w.devices, w.malformed, now)];
      case 'deleteSlice':
        this.slices.delete(SLICES[w.slice]!);
        return [api.remove(PATHS.slices, SLICES[w.slice]!)];
      case 'swap': {
        const from = SLICES[w.from]!;
        const to = SLICES[w.to]!;
        if (from === to || !this.slices.has(from)) return [this.putSlice(to, true, w.devices, false, now)];
        const put = this.putSlice(to, true, w.devices, false, now);
        this.slices.delete(from);
        return [put, api.remove(PATHS.slices, from)];
      }
      case 'claim': {
        const pod = { name: `pod-${w.pod}`, uid: this.podUids.get(w.pod) ?? `gone-${w.pod}` };
        const toleration =
          w.toleration === null ? undefined : { seconds: w.toleration === 'forever' ? null : w.toleration };
        return [
          api.put(
            PATHS.claims,
            rawClaim({
              name: `pod-${w.pod}-gpu`,
              // A new allocation is a new claim object: the engine may keep a claim's decision while its uid stays.
              uid: `claim-${w.pod}-${++this.seq}`,
              pod,
              pool: POOL,
              device: DEVICES[w.device]!,
              ...(toleration === undefined ? {} : { toleration }),
              malformed: w.malformed,
            }),
          ),
        ];
      }
      case 'deleteClaim':
        return [api.remove(PATHS.claims, `default/pod-${w.pod}-gpu`)];
      case 'pod': {
        let uid = this.podUids.get(w.pod);
        if (uid === undefined || w.recreate) uid = `pod-${w.pod}-${++this.seq}`;
        const lines: (WatchLine | null)[] = [];
        // A recreated pod is a delete and an add (the apiserver never reuses a name with a new uid in place).
        if (w.recreate && this.podUids.has(w.pod)) lines.push(api.remove(PATHS.pods, `default/pod-${w.pod}`));
        this.podUids.set(w.pod, uid);
        lines.push(
          api.put(
            PATHS.pods,
            rawPod({ name: `pod-${w.pod}`, uid, claimName: `pod-${w.pod}-gpu`, malformed: w.malformed }),
          ),
        );
        return lines;
      }
      case 'deletePod':
        this.podUids.delete(w.pod);
        return [api.remove(PATHS.pods, `default/pod-${w.pod}`)];
      case 'rule':
        return [
          api.put(
            PATHS.rules,
            rawRule({
              name: 'unhealthy',
              uid: 'rule-1',
              effect: w.effect,
              timeAdded: now - w.ageS * S,
              ...(w.device === null ? {} : { device: DEVICES[w.device]! }),
              malformed: w.malformed,
            }),
          ),
        ];
      case 'deleteRule':
        return [api.remove(PATHS.rules, 'unhealthy')];
    }
  }

  private putSlice(name: string, bump: boolean, specs: DeviceSpec[], malformed: boolean, now: number): WatchLine {
    let max = 0;
    for (const s of this.slices.values()) max = Math.max(max, s.generation);
    const generation = max + (bump || this.slices.size === 0 ? 1 : 0);
    // Device names are unique among the slices of one generation.
    const taken = new Set<number>();
    for (const [other, s] of this.slices)
      if (other !== name && s.generation === generation) for (const d of s.devices) taken.add(d);
    const devices: RawDevice[] = [];
    const published: number[] = [];
    for (const d of specs) {
      if (taken.has(d.device) || published.includes(d.device)) continue;
      published.push(d.device);
      const taints: RawTaint[] =
        d.taint === null ? [] : [{ effect: d.taint.effect, timeAdded: now - d.taint.ageS * S }];
      devices.push({ name: DEVICES[d.device]!, taints });
    }
    if (malformed) devices.push({ name: 'gpu-unreadable', taints: [MALFORMED_TAINT] });
    this.slices.set(name, { generation, devices: published });
    return this.rig.api.put(PATHS.slices, rawSlice({ name, pool: POOL, generation, devices }));
  }
}

// ---- Oracles ------------------------------------------------------------------------------------

/** The quarantine policy's view of raw objects: readable ones, a slice's fallback, nothing else. */
function policyView<T extends StoredRecord>(resource: ResourceDescriptor<T>, raws: readonly unknown[]): T[] {
  const out: T[] = [];
  for (const raw of raws) {
    const p = resource.project(raw);
    if (p.ok) out.push(p.value);
    else if (p.fallback !== undefined) out.push(p.fallback);
  }
  return out.sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
}

function apiView(rig: ReflectedEngine): Snapshot {
  return {
    slices: policyView(RESOURCES.slices, rig.api.objects(PATHS.slices)),
    rules: policyView(RESOURCES.rules, rig.api.objects(PATHS.rules)),
    claims: policyView(RESOURCES.claims, rig.api.objects(PATHS.claims)),
    pods: policyView(RESOURCES.pods, rig.api.objects(PATHS.pods)),
  };
}

const sortedByKey = <T extends StoredRecord>(list: readonly T[]): T[] =>
  [...list].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));

const describeStep = (i: number, step: Step): string => `step ${i} ${JSON.stringify(step)}`;

async function run(initial: Write[], steps: Step[]): Promise<void> {
  const rig = new ReflectedEngine({ now: T0 + 30 * S, pageSize: 2 });
  const cluster = new Cluster(rig);
  const violations: string[] = [];
  let where = 'initial sync';
  rig.executor.onEvict = (pod: PodRef) => {
    const now = rig.clock.now();
    const views: [string, Snapshot][] = [
      ['the caches say', rig.storeContents()],
      ['the apiserver says', apiView(rig)],
    ];
    for (const [what, view] of views) {
      const fireAt = decide(view, now).get(podUidKey(pod));
      if (fireAt === undefined || fireAt > now)
        violations.push(
          `${where}: evicted ${podUidKey(pod)} at ${now - T0} but ${what} ${fireAt === undefined ? 'never' : `at ${fireAt - T0}`}`,
        );
    }
  };
  try {
    // Every pod exists with its claim from the start, plus whatever else the initial writes make.
    for (let i = 0; i < PODS; i++) {
      cluster.apply({ k: 'pod', pod: i, recreate: false, malformed: false });
      cluster.apply({ k: 'claim', pod: i, device: i, toleration: null, malformed: false });
    }
    for (const w of initial) cluster.apply(w);
    await rig.start();

    for (const [i, step] of steps.entries()) {
      where = describeStep(i, step);
      if (step.k === 'advance') {
        await rig.advance(step.ms);
        continue;
      }
      const opsBefore = rig.ops.length;
      const eventsBefore = rig.executor.cancellationEvents.length;
      const evicting = new Set(decide(apiView(rig), rig.clock.now()).keys());
      const lines: (WatchLine | null)[] = [];
      let writes = step.writes;
      if (step.k === 'relist' && step.resource === 'slices') {
        // At most one slice leaves the pool per relist (see the header).
        let removals = 0;
        writes = writes.filter((w) => !(w.k === 'deleteSlice' || w.k === 'swap') || removals++ === 0);
      }
      for (const w of writes) {
        lines.push(...cluster.apply(w));
        for (const key of decide(apiView(rig), rig.clock.now()).keys()) evicting.add(key);
      }
      if (step.k === 'watch') {
        rig.api.chunk(lines);
        await rig.settle();
      } else {
        await rig.relist(step.resource);
      }
      for (const op of rig.ops.slice(opsBefore))
        if (op.op === 'schedule' && !evicting.has(podUidKey(op.pod)))
          violations.push(
            `${where}: scheduled ${podUidKey(op.pod)}, which no state of the cluster in this step evicts`,
          );
      for (const pod of rig.executor.cancellationEvents.slice(eventsBefore))
        if (!evicting.has(podUidKey(pod)))
          violations.push(
            `${where}: "Cancelling deletion" for ${podUidKey(pod)}, which no state of the cluster in this step evicts`,
          );
      const want = apiView(rig);
      const have = rig.storeContents();
      expect(sortedByKey(have.slices), `${where}: slice cache`).toEqual(want.slices);
      expect(sortedByKey(have.rules), `${where}: rule cache`).toEqual(want.rules);
      expect(sortedByKey(have.claims), `${where}: claim cache`).toEqual(want.claims);
      expect(sortedByKey(have.pods), `${where}: pod cache`).toEqual(want.pods);
      expect(violations).toEqual([]);
    }

    await rig.advance(0);
    const now = rig.clock.now();
    const evicted = new Set(rig.executor.evictions.map((e) => podUidKey(e.pod)));
    for (const [pod, fireAt] of decide(rig.storeContents(), now))
      if (fireAt <= now && !evicted.has(pod))
        violations.push(`end: ${pod} is due since ${fireAt - T0} but was not evicted`);
    expect(violations).toEqual([]);
  } finally {
    await rig.stop();
  }
}

/**
 * Failures that runs with other seeds found, shrunk, run first on every run. Seed 905913015: a slice
 * relist applies s-a's new generation, which publishes gpu-2 tainted, before it deletes s-c, which still
 * published gpu-2 untainted; pod-2 (on gpu-2) must be evicted, and was not (test/main/engine/pools.test.ts).
 */
const FOUND: [Write[], Step[]][] = [
  [
    [
      { k: 'slice', slice: 0, bump: false, devices: [{ device: 0, taint: null }], malformed: false },
      { k: 'slice', slice: 1, bump: true, devices: [], malformed: false },
    ],
    [
      {
        k: 'watch',
        writes: [
          {
            k: 'slice',
            slice: 2,
            bump: true,
            devices: [{ device: 2, taint: { effect: 'None', ageS: 0 } }],
            malformed: false,
          },
        ],
      },
      {
        k: 'relist',
        resource: 'slices',
        writes: [
          { k: 'deleteSlice', slice: 2 },
          {
            k: 'slice',
            slice: 0,
            bump: true,
            devices: [{ device: 2, taint: { effect: 'NoExecute', ageS: 0 } }],
            malformed: false,
          },
        ],
      },
      {
        k: 'relist',
        resource: 'rules',
        writes: [{ k: 'rule', device: null, effect: 'NoExecute', ageS: 0, malformed: true }],
      },
      { k: 'watch', writes: [{ k: 'pod', pod: 0, recreate: false, malformed: true }] },
    ],
  ],
];

describe('reflector bursts → engine → inline runtime (property)', () => {
  it('deletes a pod only when the cluster as it stands says it must go now', async () => {
    await fc.assert(fc.asyncProperty(initialArb, fc.array(stepArb, { minLength: 4, maxLength: 14 }), run), {
      seed: SEED,
      numRuns: RUNS,
      endOnFailure: true,
      examples: FOUND,
    });
  }, 60_000);
});
