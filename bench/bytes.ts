// Bytes per cached object: what one pod, one claim and one ResourceSlice cost the controller's main
// thread once synced — the informer store's record, the engine's indexes and entries, the strings —
// measured as retained heap (after a full GC) grown by each informer's initial list, one informer at a
// time, in the order the controller usually completes them: classes and rules, slices, pods, claims.
// A pod and its claim share strings (src/main/engine/sharedStrings.ts); the share is counted with
// whichever of the two was listed second (here the claim), so pod + claim is the figure that does not
// depend on the order.
//
// The read side runs in this process (bench/readSide.ts, as bench/ingest.ts), the sim in a child process.
//
//   node --expose-gc --import tsx bench/bytes.ts [--quick] [--out dir]

import { KubeConfig } from '@kubernetes/client-node';
import type { Reflector } from '../src/kube/reflector.js';
import type { StoredRecord } from '../src/kube/resources.js';
import { collectGarbage, parseBenchFlags, writeResult } from './harness.js';
import { startReadSide } from './readSide.js';
import { SimProcess } from './simProcess.js';

const flags = parseBenchFlags();
const size = flags.quick ? { pods: 15_000, nodes: 200 } : { pods: 150_000, nodes: 2_000 };
if (!collectGarbage()) throw new Error('bench/bytes.ts needs --expose-gc (bench/run.ts passes it)');

const heapUsed = (): number => {
  collectGarbage();
  return process.memoryUsage().heapUsed;
};

const sim = await SimProcess.start(size);
const kc = new KubeConfig();
kc.loadFromFile(sim.kubeconfigPath);
const side = await startReadSide(kc, { sink: { schedule: () => {}, cancel: () => {} }, decodeThreads: 0 });
const { informers } = side;

interface Step {
  readonly kind: string;
  readonly objects: number;
  readonly bytes: number;
}
const steps: Step[] = [];
async function list(kind: string, reflectors: readonly (Reflector<StoredRecord> | null)[]): Promise<void> {
  const present = reflectors.filter((r): r is Reflector<StoredRecord> => r !== null);
  const before = heapUsed();
  for (const r of present) r.start();
  await Promise.all(present.map((r) => r.synced));
  // Let the handler slices and any owed decisions finish before measuring.
  await new Promise((resolve) => setTimeout(resolve, 200));
  steps.push({ kind, objects: present.reduce((n, r) => n + r.size, 0), bytes: heapUsed() - before });
}

await list('device classes and rules', [informers.deviceClasses, informers.rules]);
await list('ResourceSlices (8 devices each)', [informers.slices]);
await list('pods', [informers.pods]);
await list('ResourceClaims (allocated, reserved for their pod)', [informers.claims]);
await side.close();
await sim.stop();

const per = (s: Step | undefined) => (s === undefined || s.objects === 0 ? null : s.bytes / s.objects);
const slice = steps[1];
const pod = steps[2];
const claim = steps[3];
const podAndClaim = (per(pod) ?? 0) + (per(claim) ?? 0);
const perPodAll = podAndClaim + (slice?.bytes ?? 0) / Math.max(1, pod?.objects ?? 1);

writeResult(flags, {
  name: 'bytes',
  title: 'Bytes per cached pod, claim and slice',
  parameters: { ...size, devicesPerSlice: 8, order: steps.map((s) => s.kind) },
  tables: [
    {
      title: `Retained heap grown by each informer's initial list (${size.pods.toLocaleString('en-US')} pods on ${size.nodes.toLocaleString('en-US')} nodes)`,
      columns: ['listed', 'objects', 'retained MB', 'bytes each'],
      rows: steps.map((s) => [s.kind, s.objects, s.bytes / 2 ** 20, per(s)]),
    },
    {
      title: 'Per pod, all told',
      columns: ['pod + its claim', '+ its share of the slices', 'at 1M pods (heap only)'],
      rows: [[podAndClaim, perPodAll, (perPodAll * 1_000_000) / 2 ** 20]],
    },
  ],
  raw: { steps, podAndClaim, perPodAll },
  notes: [
    "Retained heap after a full GC, before and after each list; it includes the informer store, the engine's indexes and the strings the records hold.",
    'The sim oversubscribes devices (more pods than GPUs), so claims on the same device share one allocation list (src/shared/projection/claim.ts); with a device per claim a claim costs ~120 B more.',
  ],
});
