// `--workers auto`: the container's CPU quota, rounded up, else the visible cores, never more than 8.

import { describe, expect, it } from 'vitest';
import { cgroupCpuQuota, defaultWorkers } from '../../../src/main/app/cpuQuota.js';

const files =
  (entries: Record<string, string>) =>
  (path: string): string | null =>
    entries[path] ?? null;

describe('cgroupCpuQuota', () => {
  it('reads cgroup v2 cpu.max', () => {
    expect(cgroupCpuQuota(files({ '/sys/fs/cgroup/cpu.max': '150000 100000\n' }))).toBe(1.5);
    expect(cgroupCpuQuota(files({ '/sys/fs/cgroup/cpu.max': 'max 100000\n' }))).toBeNull();
  });

  it('reads cgroup v1 cfs quota and period, -1 meaning none', () => {
    const v1 = (quota: string) =>
      files({ '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': quota, '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000' });
    expect(cgroupCpuQuota(v1('400000'))).toBe(4);
    expect(cgroupCpuQuota(v1('-1'))).toBeNull();
  });

  it('is null without any cgroup file', () => {
    expect(cgroupCpuQuota(files({}))).toBeNull();
  });
});

describe('defaultWorkers', () => {
  it('uses the quota rounded up, else the cores, between 1 and 8', () => {
    expect(defaultWorkers(1.5, 64)).toBe(2);
    expect(defaultWorkers(0.25, 64)).toBe(1);
    expect(defaultWorkers(null, 4)).toBe(4);
    expect(defaultWorkers(null, 64)).toBe(8);
    expect(defaultWorkers(16, 64)).toBe(8);
  });
});
