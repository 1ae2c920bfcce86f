// The simulated cluster keeps every object as parsed JSON plus its serialized form for lists and
// watches: about 4.5 KB per pod with its claim and 7 KB per 8-device ResourceSlice (measured: 4.5 GB
// resident for 1,000,000 pods and 130,000 slices). Node's default heap limit (about 4 GB on a 64-bit
// machine with 16 GB or more) is too small from roughly 800k pods on, and running out of heap while
// seeding ends the process with an OOM crash after minutes. So `sim` asks for what it needs: when the
// estimate exceeds the limit it runs itself again with a larger --max-old-space-size, and says so.

import { spawn } from 'node:child_process';
import { getHeapStatistics } from 'node:v8';

/** Set in the re-executed process, so it never re-executes again. */
const RAISED = 'DEVICE_TAINT_EVICTOR_SIM_HEAP_RAISED';

/** Heap (MB) the sim needs for a seeded cluster, with a margin for lists and watch history. */
export function simHeapNeedMb(pods: number, nodes: number, devicesPerNode: number): number {
  const perPodKb = 4.5;
  const perDeviceKb = 0.9;
  return Math.ceil(512 + ((pods * perPodKb + nodes * devicesPerNode * perDeviceKb) / 1024) * 1.3);
}

/**
 * Runs this CLI again with `--max-old-space-size` raised to `needMb` when the current heap limit is
 * lower, forwarding signals and the exit code; resolves `false` when no re-exec is needed (or the
 * process already is the re-executed one), and never resolves otherwise (the process exits with the child).
 */
export function reexecWithHeap(needMb: number, print: (line: string) => void): Promise<boolean> {
  const limitMb = getHeapStatistics().heap_size_limit / 2 ** 20;
  if (needMb <= limitMb || process.env[RAISED] === '1') return Promise.resolve(false);
  print(
    `sim: this cluster needs about ${needMb} MB of heap (Node's limit here: ${Math.round(limitMb)} MB); ` +
      `running with --max-old-space-size=${needMb}`,
  );
  const child = spawn(
    process.execPath,
    [`--max-old-space-size=${needMb}`, ...process.execArgv, ...process.argv.slice(1)],
    { stdio: 'inherit', env: { ...process.env, [RAISED]: '1' } },
  );
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  process.on('SIGINT', forward('SIGINT'));
  process.on('SIGTERM', forward('SIGTERM'));
  return new Promise<boolean>(() => {
    child.on('exit', (code, signal) => process.exit(code ?? (signal === null ? 1 : 128)));
  });
}
