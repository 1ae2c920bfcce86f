// Everything `device-taint-evictor run` can be told, with kube-controller-manager's defaults.

import type { LogFormat, LogLevel } from '../../shared/log.js';

export type { LogFormat, LogLevel };

export interface ControllerOptions {
  /** Explicit kubeconfig path; otherwise KUBECONFIG, ~/.kube/config, then in-cluster config. */
  readonly kubeconfig?: string;
  readonly context?: string;
  /** Worker threads owning queue partitions; ≥ 1. */
  readonly workers: number;
  /** Evictions in flight per worker (upstream: --concurrent-device-taint-eviction-syncs, default 10). */
  readonly concurrentSyncs: number;
  /** Shared by every thread; 0 = unlimited. */
  readonly kubeApiQps: number;
  readonly kubeApiBurst: number;
  readonly leaderElect: boolean;
  /** Where the Lease lives (kube-controller-manager's --leader-elect-resource-namespace / -name). */
  readonly leaderElectResourceNamespace: string;
  readonly leaderElectResourceName: string;
  /** client-go's LeaseDuration, RenewDeadline and RetryPeriod (15 s, 10 s, 2 s). */
  readonly leaderElectLeaseDurationMs: number;
  readonly leaderElectRenewDeadlineMs: number;
  readonly leaderElectRetryPeriodMs: number;
  /** `host:port`, `:port` (all interfaces) or `0` (disabled). */
  readonly metricsBindAddress: string;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  /** Decide and log, never write to the API. */
  readonly dryRun: boolean;
  /** PodGroup-owned claims (upstream DRAWorkloadResourceClaims gate). */
  readonly workloadClaims: boolean;
  /**
   * piscina threads decoding list pages (initial sync, relists); 0 = on the main thread. The pool
   * halves the main thread's CPU during a big sync, but costs ≈ 100 MB more resident memory, and it
   * only shortens the sync when spare cores exist (bench/ingest.ts, bench/piscina.ts).
   */
  readonly decodeThreads: number;
}

/** `--decode-threads auto`: a pool of 2 on machines with at least 4 cores, none below. */
export const autoDecodeThreads = (cores: number): number => (cores >= 4 ? 2 : 0);

export const CONTROLLER_NAME = 'device-taint-eviction-controller';

export const defaultControllerOptions = (cores: number): ControllerOptions => ({
  workers: Math.max(1, cores),
  concurrentSyncs: 10,
  kubeApiQps: 20,
  kubeApiBurst: 30,
  leaderElect: false,
  leaderElectResourceNamespace: 'kube-system',
  leaderElectResourceName: 'device-taint-evictor',
  leaderElectLeaseDurationMs: 15_000,
  leaderElectRenewDeadlineMs: 10_000,
  leaderElectRetryPeriodMs: 2_000,
  metricsBindAddress: ':8080',
  logLevel: 'info',
  logFormat: 'json',
  dryRun: false,
  workloadClaims: false,
  decodeThreads: autoDecodeThreads(cores),
});
