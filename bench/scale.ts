// Scale: the BUILT controller (`node dist/cli/main.js run --workers 2`) against the built simulated
// cluster (`node dist/cli/main.js sim`), each in its own process, at 150k pods and at one million
// (issue 12). For each size:
//  - the sim seeds P pods with one allocated claim each on N nodes (one ResourceSlice of 8 devices per
//    node); its resident memory once seeded and after serving the controller's lists;
//  - the controller starts; ready = /readyz answers 200 (every informer synced); its resident memory
//    is sampled from /proc every 100 ms (the timeline), peak = VmHWM (the initial list's peak), steady
//    = resident memory `steadyMs` after ready;
//  - the longest event-loop stall from the informers' start through the sync and the decisions after
//    it (the controller's own monitorEventLoopDelay, exported as a metric);
//  - at the storm size: a DeviceTaintRule NoExecute over one device of every node (gpu-0: 130k pods at
//    1M) is created, and the time from the rule's watch event to the last of its ops handed to the
//    worker queues is read from the controller's largest-decision-burst metric.
// Bytes per pod, claim and slice come from a heap snapshot of an in-process read side (bench/ingest.ts
// measures the same caches) and are reported by bench/scaleBytes.ts; here only resident memory counts.
//
// The sim needs the heap for a million pods: it runs with --max-old-space-size=14000 (≈ 4.5 GB resident
// at 1M). Timing is wall clock on a shared 2-core machine that the sim shares with the controller: the
// load average is recorded with every run.
//
// The controller runs with the Node options and environment it is deployed with (deploy/deployment.yaml's
// NODE_OPTIONS and env; above 150k pods the NODE_OPTIONS of README's row for the size), printed per size.
//
//   npm run build && node --import tsx bench/scale.ts [--quick] [--sizes 150000,1000000] [--out dir]
//     [--cli other/dist/cli/main.js] [--controller-flags "…"] [--controller-env "K=V …"]
//     [--trace dir]      CPU profile + stall/GC trace per size: node --import tsx bench/trace/stalls.ts
//     [--heap-prof dir]  sampling heap profile of the live heap at exit: bench/trace/heapTop.ts
//     [--profile dir]    main-thread CPU and heap profile per size, named for the report (bench/run.ts --profile)

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchDir, parseBenchFlags, profileDirFlag, writeResult } from './harness.js';

const flags = parseBenchFlags();
const argv = process.argv.slice(2);
const sizesAt = argv.indexOf('--sizes');
/** Pods → nodes: 150k on 2,000 nodes (the issue's command), 1M on 130,000 (its 130,000 slices). */
const NODES: Readonly<Record<number, number>> = { 0: 1, 15000: 200, 50000: 700, 150000: 2_000, 1000000: 130_000 };
const nodesFor = (pods: number): number => NODES[pods] ?? Math.max(1, Math.round(pods / 7.7));
const sizes =
  sizesAt >= 0
    ? (argv[sizesAt + 1] ?? '').split(',').map(Number)
    : // 0 pods: the controller's fixed cost, against which the others are read.
      flags.quick
      ? [0, 15_000]
      : [0, 150_000, 1_000_000];
const stormAt = flags.quick ? 15_000 : 1_000_000;
/** `--steady-ms N`: how long after ready "steady" is read (the RSS timeline runs until then). */
const steadyArg = argv.indexOf('--steady-ms');
const steadyMs = steadyArg >= 0 ? Number(argv[steadyArg + 1]) : flags.quick ? 3_000 : 10_000;
const SIM_HEAP_MB = 14_000;
const root = join(benchDir, '..');
const option = (name: string): string | undefined => {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : undefined;
};
/** `--cli path/to/dist/cli/main.js`: another build (e.g. a copy of main's) for a same-session A/B. */
const cli = option('--cli') ?? join(root, 'dist', 'cli', 'main.js');
if (!existsSync(cli)) throw new Error('bench/scale.ts measures the built CLI: run `npm run build` first');
/** `--trace dir`: CPU profile + stall/GC trace of the controller per size (bench/trace/stalls.ts reads them). */
const traceDir = option('--trace');
/** `--heap-prof dir`: the sampling heap profile of the controller's live heap at exit, per size. */
const heapProfDir = option('--heap-prof');
/**
 * `--profile dir` (bench/run.ts --profile): per size with pods, the controller's main-thread CPU profile
 * and its sampling heap profile at exit, as `scale-<pods>-controller-main.cpuprofile` and
 * `scale-<pods>.heapprofile`, for the report's account of the missed goals. A profiled run's numbers
 * are not the benchmark's (bench/run.ts discards them).
 */
const profileDir = profileDirFlag();
const profileRawDir = (pods: number): string => join(profileDir ?? '', 'raw', String(pods));
// Each of the three passes V8 its own --cpu-prof/--heap-prof flags and directories: one at a time.
if ([traceDir, heapProfDir, profileDir ?? undefined].filter((d) => d !== undefined).length > 1)
  throw new Error('bench/scale.ts: give one of --trace, --heap-prof and --profile, not several');

/**
 * The controller runs with the Node options it is deployed with: deploy/deployment.yaml's NODE_OPTIONS,
 * the 150k row of README's "Pods → memory" table; above that size the table's row for the size (the
 * deployment is resized with the cluster). `--controller-flags "…"` replaces them for an experiment (the
 * output says which were used).
 */
/** The container's plain `env` entries (name + value; valueFrom ones are the cluster's) in deploy/deployment.yaml. */
function deployedEnv(): Record<string, string> {
  const yaml = readFileSync(join(root, 'deploy', 'deployment.yaml'), 'utf8');
  const env: Record<string, string> = {};
  for (const m of yaml.matchAll(/- name: ([A-Z_][A-Z0-9_]*)\n\s+value: "?([^"\n]*)"?/g))
    if (m[1] !== undefined && m[2] !== undefined) env[m[1]] = m[2].trim();
  if (env.NODE_OPTIONS === undefined) throw new Error('deploy/deployment.yaml sets no NODE_OPTIONS');
  return env;
}
function deployedNodeOptions(): string {
  return deployedEnv().NODE_OPTIONS ?? '';
}
/** `--controller-env "K=V K2=V2"`: replaces deploy/'s other env entries for an experiment. */
function controllerEnv(): Record<string, string> {
  const given = option('--controller-env');
  if (given === undefined) {
    const { NODE_OPTIONS: _, ...rest } = deployedEnv();
    return rest;
  }
  return Object.fromEntries(
    given
      .split(' ')
      .filter((kv) => kv.includes('='))
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
}
/**
 * README "Pods → memory": above deploy/'s 150k, the NODE_OPTIONS of the row that covers `pods`: a larger
 * old-space cap, and V8's default young generation — deploy/'s --max-semi-space-size=4 lowers the peak
 * by ≈ 25 MB at 150k but at 1M promotes the lists' garbage early (4.5× the mark-compacts, twice the sync time).
 */
const NODE_OPTIONS_ABOVE_150K: readonly (readonly [number, string])[] = [
  [500_000, '--max-old-space-size=1400'],
  [1_000_000, '--max-old-space-size=2200'],
];
function controllerNodeOptions(pods: number): string {
  const given = option('--controller-flags');
  if (given !== undefined) return given;
  const row = NODE_OPTIONS_ABOVE_150K.find(([upTo]) => pods > 150_000 && pods <= upTo);
  return row === undefined ? deployedNodeOptions() : row[1];
}

interface ProcMemory {
  readonly rssMb: number;
  readonly peakMb: number;
  readonly cpuMs: number;
}

/** The kernel's CLK_TCK: 100 on Linux x86-64 (bench/harness.ts asks getconf; /proc stat fields count these). */
const clockTicks = 100;
function procMemory(pid: number): ProcMemory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return {
    rssMb: kb('VmRSS') / 1024,
    peakMb: kb('VmHWM') / 1024,
    cpuMs: ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const load = () => loadavg().map((l) => Math.round(l * 100) / 100);

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited(child);
  clearTimeout(timer);
}

interface Sim {
  readonly child: ChildProcess;
  readonly kubeconfig: string;
  readonly server: string;
  readonly seedMs: number;
}

async function startSim(pods: number, nodes: number, dir: string): Promise<Sim> {
  const kubeconfig = join(dir, 'kubeconfig');
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [
      `--max-old-space-size=${SIM_HEAP_MB}`,
      cli,
      'sim',
      '--nodes',
      String(nodes),
      '--devices-per-node',
      '8',
      '--pods',
      String(pods),
      '--kubeconfig-out',
      kubeconfig,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('seeded ')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`sim exited with ${code} before it was seeded:\n${out}`)));
  });
  const server = /listening on (\S+)/.exec(out)?.[1];
  if (server === undefined) throw new Error(`sim printed no address:\n${out}`);
  return { child, kubeconfig, server, seedMs: performance.now() - started };
}

interface Controller {
  readonly child: ChildProcess;
  readonly port: number;
  readonly logLines: string[];
}

function startController(kubeconfig: string, port: number, pods: number): Controller {
  const traceArgs =
    traceDir === undefined
      ? []
      : [
          '--cpu-prof',
          `--cpu-prof-dir=${join(traceDir, String(pods))}`,
          '--cpu-prof-interval=500',
          '--import',
          join(benchDir, 'trace', 'stallTrace.mjs'),
        ];
  const heapArgs =
    heapProfDir === undefined ? [] : ['--heap-prof', `--heap-prof-dir=${join(heapProfDir, String(pods))}`];
  const profileArgs =
    profileDir === null || pods === 0
      ? []
      : [
          '--cpu-prof',
          `--cpu-prof-dir=${profileRawDir(pods)}`,
          '--cpu-prof-interval=1000',
          '--heap-prof',
          `--heap-prof-dir=${profileRawDir(pods)}`,
        ];
  const child = spawn(
    process.execPath,
    [
      ...traceArgs,
      ...heapArgs,
      ...profileArgs,
      cli,
      'run',
      '--kubeconfig',
      kubeconfig,
      '--workers',
      '2',
      '--metrics-bind-address',
      `127.0.0.1:${port}`,
      '--log-level',
      'info',
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: {
        ...process.env,
        ...controllerEnv(),
        NODE_OPTIONS: controllerNodeOptions(pods),
        ...(traceDir === undefined ? {} : { STALL_TRACE_OUT: join(traceDir, `${pods}.stalls.json`) }),
      },
    },
  );
  const logLines: string[] = [];
  let pending = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) if (line.includes('Caches synced') || line.includes('"level":50')) logLines.push(line);
  });
  return { child, port, logLines };
}

async function metrics(port: number): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line === '') continue;
    const space = line.lastIndexOf(' ');
    out.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return out;
}

async function ready(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`controller exited with ${child.exitCode}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(20);
  }
  throw new Error('controller not ready in time');
}

/** A NoExecute DeviceTaintRule over device gpu-0 of every node, created through the sim's API. */
async function createStormRule(server: string): Promise<void> {
  const res = await fetch(`${server}/apis/resource.k8s.io/v1/devicetaintrules`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      apiVersion: 'resource.k8s.io/v1',
      kind: 'DeviceTaintRule',
      metadata: { name: 'bench-storm' },
      spec: {
        deviceSelector: { driver: 'gpu.nvidia.com', device: 'gpu-0' },
        taint: { key: 'gpu.nvidia.com/xid', value: '79', effect: 'NoExecute' },
      },
    }),
  });
  if (res.status !== 201) throw new Error(`creating the storm rule: ${res.status} ${await res.text()}`);
}

/** Pods on device gpu-0 as src/sim/seed.ts places them: pod i on node i % N, device ⌊i / N⌋ mod 8. */
const podsOnGpu0 = (pods: number, nodes: number): number => {
  let n = 0;
  for (let block = 0; block * nodes < pods; block += 8) n += Math.min(nodes, pods - block * nodes);
  return n;
};

export interface ScaleRun {
  readonly pods: number;
  readonly nodes: number;
  readonly slices: number;
  /** The controller's NODE_OPTIONS (deploy/'s, see controllerNodeOptions). */
  readonly nodeOptions: string;
  /** The main thread's V8 heap by space at steady: committed and used MB. */
  readonly heapSpaces: Readonly<Record<string, { readonly totalMb: number; readonly usedMb: number }>>;
  readonly simSeedMs: number;
  readonly simRssMb: number;
  readonly simRssServedMb: number;
  readonly readyMs: number;
  readonly controllerCpuMsAtReady: number;
  readonly rssAtReadyMb: number;
  readonly steadyRssMb: number;
  readonly peakRssMb: number;
  readonly heapUsedMb: number | null;
  readonly longestStallMs: number | null;
  readonly storm: { readonly pods: number; readonly ops: number; readonly seconds: number } | null;
  /** [ms since the controller started, resident MB] every 100 ms until steady. */
  readonly timeline: readonly (readonly [number, number])[];
  readonly loadBefore: readonly number[];
  readonly loadAfter: readonly number[];
}

async function runSize(pods: number): Promise<ScaleRun> {
  const nodes = nodesFor(pods);
  const dir = mkdtempSync(join(tmpdir(), 'bench-scale-'));
  console.log(`\n--- ${pods.toLocaleString('en-US')} pods on ${nodes.toLocaleString('en-US')} nodes`);
  const sim = await startSim(pods, nodes, dir);
  const simPid = sim.child.pid ?? 0;
  const simRssMb = procMemory(simPid).rssMb;
  console.log(`sim seeded in ${(sim.seedMs / 1000).toFixed(1)} s, ${simRssMb.toFixed(0)} MB resident`);
  const loadBefore = load();
  const port = 20_000 + (process.pid % 10_000);
  const started = performance.now();
  console.log(
    `controller: ${cli}, NODE_OPTIONS=${controllerNodeOptions(pods)}, env ${JSON.stringify(controllerEnv())}`,
  );
  if (traceDir !== undefined) mkdirSync(join(traceDir, String(pods)), { recursive: true });
  const ctl = startController(sim.kubeconfig, port, pods);
  const pid = ctl.child.pid ?? 0;
  const timeline: [number, number][] = [];
  const sampler = setInterval(() => {
    try {
      timeline.push([Math.round(performance.now() - started), Math.round(procMemory(pid).rssMb)]);
    } catch {
      // exited
    }
  }, 100);
  try {
    await ready(port, ctl.child, 900_000);
    const readyMs = performance.now() - started;
    const atReady = procMemory(pid);
    console.log(`ready in ${(readyMs / 1000).toFixed(2)} s, ${atReady.rssMb.toFixed(0)} MB resident`);
    await sleep(steadyMs);
    const steady = procMemory(pid);
    const m = await metrics(port);
    const stallSeconds = m.get('device_taint_evictor_event_loop_longest_stall_seconds');
    const heapUsed = m.get('nodejs_heap_size_used_bytes');
    // V8's heap by space at steady (prom-client's default metrics): committed vs used, main thread only.
    const heapSpaces: Record<string, { totalMb: number; usedMb: number }> = {};
    for (const [key, value] of m) {
      const space = /^nodejs_heap_space_size_total_bytes\{space="([a-z_]+)"\}$/.exec(key)?.[1];
      if (space === undefined) continue;
      const used = m.get(`nodejs_heap_space_size_used_bytes{space="${space}"}`) ?? 0;
      heapSpaces[space] = { totalMb: Math.round(value / 2 ** 20), usedMb: Math.round(used / 2 ** 20) };
    }
    const external = m.get('nodejs_external_memory_bytes');
    console.log(
      `heap spaces at steady (committed/used MB): ${Object.entries(heapSpaces)
        .filter(([, v]) => v.totalMb > 0)
        .map(([k, v]) => `${k} ${v.totalMb}/${v.usedMb}`)
        .join(', ')}; external ${external === undefined ? '?' : Math.round(external / 2 ** 20)} MB`,
    );
    const simRssServedMb = procMemory(simPid).rssMb;
    clearInterval(sampler);
    let storm: ScaleRun['storm'] = null;
    if (pods === stormAt) {
      const expected = podsOnGpu0(pods, nodes);
      await createStormRule(sim.server);
      const deadline = performance.now() + 120_000;
      for (;;) {
        const b = await metrics(port);
        const ops = b.get('device_taint_evictor_largest_decision_burst_ops') ?? 0;
        if (ops >= expected) {
          storm = { pods: expected, ops, seconds: b.get('device_taint_evictor_largest_decision_burst_seconds') ?? 0 };
          break;
        }
        if (performance.now() > deadline) throw new Error(`storm: ${ops} of ${expected} ops after 120 s`);
        await sleep(250);
      }
      console.log(`storm: ${storm.ops} ops over ${expected} pods in ${(storm.seconds * 1000).toFixed(0)} ms`);
    }
    const run: ScaleRun = {
      pods,
      nodes,
      slices: nodes,
      nodeOptions: controllerNodeOptions(pods),
      heapSpaces,
      simSeedMs: sim.seedMs,
      simRssMb,
      simRssServedMb,
      readyMs,
      controllerCpuMsAtReady: atReady.cpuMs,
      rssAtReadyMb: atReady.rssMb,
      steadyRssMb: steady.rssMb,
      peakRssMb: steady.peakMb,
      heapUsedMb: heapUsed === undefined ? null : heapUsed / 2 ** 20,
      longestStallMs: stallSeconds === undefined ? null : stallSeconds * 1000,
      storm,
      timeline,
      loadBefore,
      loadAfter: load(),
    };
    console.log(
      `steady ${run.steadyRssMb.toFixed(0)} MB, peak ${run.peakRssMb.toFixed(0)} MB, longest stall ${run.longestStallMs?.toFixed(0)} ms, load ${run.loadAfter.join(' ')}`,
    );
    return run;
  } finally {
    clearInterval(sampler);
    await stop(ctl.child);
    await stop(sim.child);
    rmSync(dir, { recursive: true, force: true });
    if (profileDir !== null && pods > 0) keepProfiles(pods);
  }
}

/**
 * Moves what `--cpu-prof`/`--heap-prof` wrote at the controller's exit to the names the report reads:
 * the main thread's CPU profile (thread id 0 in node's file name) and the main isolate's heap profile.
 */
function keepProfiles(pods: number): void {
  const raw = profileRawDir(pods);
  if (!existsSync(raw)) throw new Error(`--profile: the controller wrote no profile into ${raw}`);
  for (const file of readdirSync(raw)) {
    const thread = /^(CPU|Heap)\.\d+\.\d+\.\d+\.(\d+)\.\d+\.(cpuprofile|heapprofile)$/.exec(file);
    if (thread === null || thread[2] !== '0') continue;
    const name = thread[1] === 'CPU' ? `scale-${pods}-controller-main.cpuprofile` : `scale-${pods}.heapprofile`;
    renameSync(join(raw, file), join(profileDir ?? '', name));
  }
  rmSync(raw, { recursive: true, force: true });
}

const runs: ScaleRun[] = [];
for (const pods of sizes) runs.push(await runSize(pods));

const mbCell = (v: number) => Math.round(v);
writeResult(flags, {
  name: 'scale',
  title: 'Scale: the built controller at 150k and 1M pods',
  parameters: { sizes, nodes: sizes.map(nodesFor), workers: 2, steadyMs, simHeapMb: SIM_HEAP_MB, stormAt },
  tables: [
    {
      title: 'Built controller (`run --workers 2`) against the built sim, separate processes',
      columns: [
        'pods',
        'slices',
        'ready s',
        'CPU s to ready',
        'RSS at ready MB',
        'steady RSS MB',
        'peak RSS MB',
        'longest stall ms',
        'load 1 min',
      ],
      rows: runs.map((r) => [
        r.pods,
        r.slices,
        r.readyMs / 1000,
        r.controllerCpuMsAtReady / 1000,
        mbCell(r.rssAtReadyMb),
        mbCell(r.steadyRssMb),
        mbCell(r.peakRssMb),
        r.longestStallMs,
        r.loadAfter[0] ?? null,
      ]),
    },
    {
      title: 'The simulated cluster (--max-old-space-size=14000)',
      columns: ['pods', 'seed s', 'RSS seeded MB', 'RSS after serving the lists MB'],
      rows: runs.map((r) => [r.pods, r.simSeedMs / 1000, mbCell(r.simRssMb), mbCell(r.simRssServedMb)]),
    },
    {
      title: 'Taint storm: a NoExecute rule over gpu-0 of every node, rule event → last op handed to the workers',
      columns: ['cached pods', 'pods tainted', 'ops', 'ms'],
      rows: runs.flatMap((r) =>
        r.storm === null ? [] : [[r.pods, r.storm.pods, r.storm.ops, r.storm.seconds * 1000]],
      ),
    },
  ],
  raw: { runs },
  notes: [
    `The controller runs as deployed: deploy/deployment.yaml's NODE_OPTIONS and env, above 150k pods README's NODE_OPTIONS for the size (${sizes.map((p) => `${p}: ${controllerNodeOptions(p)}`).join('; ')}).`,
    'Ready = /readyz 200 (every informer synced), timed from the controller process start; CPU is the process (all threads) to that moment.',
    `Peak = VmHWM, the most the process was resident at once (during the initial list); steady = resident memory ${steadyMs / 1000} s after ready.`,
    "Longest stall = the controller's device_taint_evictor_event_loop_longest_stall_seconds: monitorEventLoopDelay from the informers' start on, sampling interval taken off. On a loaded machine a stall includes time the OS did not schedule the process.",
    "Storm = device_taint_evictor_largest_decision_burst_seconds: from the start of the watch chunk carrying the rule to the router flush that handed the burst's last op to the workers.",
  ],
});
