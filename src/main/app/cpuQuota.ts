// How many worker threads a process should start by default: the CPU quota of its container (what a
// Deployment's `resources.limits.cpu` becomes), else the cores it can see, never more than 8. A
// container on a 64-core GPU node limited to 2 CPUs must not start 64 isolates (each costs memory and
// competes for those 2 CPUs); 8 is where more threads stop paying off (bench/runtime.ts).

import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

export const MAX_DEFAULT_WORKERS = 8;

/** Reads a file, or `null` when it does not exist or cannot be read. */
type ReadFile = (path: string) => string | null;

const readOrNull: ReadFile = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
};

/**
 * The CPU quota of this process's cgroup in CPUs (e.g. 1.5), or `null` when unlimited or unknown.
 * cgroup v2: `cpu.max` holds "<quota> <period>" or "max <period>"; v1: `cpu.cfs_quota_us` (-1 = none)
 * over `cpu.cfs_period_us`. Both are read at the cgroup namespace root, which is the container's own.
 */
export function cgroupCpuQuota(read: ReadFile = readOrNull): number | null {
  const v2 = read('/sys/fs/cgroup/cpu.max');
  if (v2 !== null) {
    const [quota, period] = v2.trim().split(/\s+/);
    if (quota === 'max' || quota === undefined) return null;
    const q = Number(quota);
    const p = Number(period ?? '100000');
    return q > 0 && p > 0 ? q / p : null;
  }
  for (const dir of ['/sys/fs/cgroup/cpu', '/sys/fs/cgroup/cpu,cpuacct']) {
    const quota = read(`${dir}/cpu.cfs_quota_us`);
    const period = read(`${dir}/cpu.cfs_period_us`);
    if (quota === null || period === null) continue;
    const q = Number(quota.trim());
    const p = Number(period.trim());
    return q > 0 && p > 0 ? q / p : null;
  }
  return null;
}

/** `--workers auto`: the quota rounded up (a 1.5-CPU limit still gets 2 threads), else the cores, at most 8. */
export function defaultWorkers(quota: number | null = cgroupCpuQuota(), cores = availableParallelism()): number {
  const cpus = quota === null ? cores : Math.ceil(quota);
  return Math.max(1, Math.min(MAX_DEFAULT_WORKERS, cpus));
}
