// Everything `device-taint-evictor run` can be told, with kube-controller-manager's defaults.

import { DEFAULT_BREAKER_NAME } from '../../kube/breakerRecord.js';
import type { LogFormat, LogLevel } from '../../shared/log.js';
import { DEFAULT_WORKER_HEAP_LIMITS } from '../runtime/workerHeap.js';
import type { BrakeSettings } from './brakes.js';

export type { LogFormat, LogLevel };

export interface ControllerOptions extends BrakeSettings {
  /** Explicit kubeconfig path; otherwise KUBECONFIG, ~/.kube/config, then in-cluster config. */
  readonly kubeconfig?: string;
  readonly context?: string;
  /** Worker threads owning queue partitions; ≥ 1 (`auto`: the container's CPU quota, at most 8). */
  readonly workers: number;
  /** Evictions in flight across all workers (upstream --concurrent-device-taint-eviction-syncs, default 10). */
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
  /**
   * Serve /metrics over HTTPS, authenticating bearer tokens (TokenReview) and authorizing them
   * (SubjectAccessReview), as kube-controller-manager's secure port does. /healthz, /readyz and /livez
   * stay open (its --authorization-always-allow-paths default).
   */
  readonly metricsSecure: boolean;
  /** The serving certificate and key for the secure endpoint; a self-signed pair when absent. */
  readonly tlsCertFile?: string;
  readonly tlsPrivateKeyFile?: string;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  /** Decide and log, never write to the API. */
  readonly dryRun: boolean;
  /**
   * `delete` (upstream's: DELETE the pod) or `evict` (the eviction API, which respects the pod's
   * PodDisruptionBudget); with `evict`, a budget that holds an eviction for `evictionTimeoutMs` is
   * overruled by a DELETE (0 = never).
   */
  readonly evictionMode: 'delete' | 'evict';
  readonly evictionTimeoutMs: number;
  /** PodGroup-owned claims (upstream DRAWorkloadResourceClaims gate). */
  readonly workloadClaims: boolean;
  /** Watch DeviceTaintRules when served (upstream DRADeviceTaintRules gate); off: slice taints only. */
  readonly deviceTaintRules: boolean;
  /**
   * piscina threads decoding list pages (initial sync, relists); 0 = on the main thread. The pool
   * halves the main thread's CPU during a big sync, but costs ≈ 100 MB more resident memory, and it
   * only shortens the sync when spare cores exist (bench/ingest.ts, bench/piscina.ts).
   */
  readonly decodeThreads: number;
  /**
   * V8 heap caps of each shard worker thread in MB (src/main/runtime/workerHeap.ts): old generation,
   * sized for the evictions one worker's queue may hold; young generation, 0 = V8's default.
   */
  readonly workerMaxOldSpaceMb: number;
  readonly workerMaxYoungGenerationMb: number;
}

/** `--decode-threads auto`: a pool of 2 on machines with at least 4 cores, none below. */
export const autoDecodeThreads = (cores: number): number => (cores >= 4 ? 2 : 0);

export { DEFAULT_BREAKER_NAME };

export const CONTROLLER_NAME = 'device-taint-eviction-controller';

/** Plain HTTP only on loopback unless asked otherwise: an unauthenticated scraper must not reach it. */
export const DEFAULT_INSECURE_METRICS_ADDRESS = '127.0.0.1:8080';
/** The secure endpoint listens on every interface, like kube-controller-manager's 10257. */
export const DEFAULT_SECURE_METRICS_ADDRESS = ':8443';

export const defaultControllerOptions = (workers: number, cores = workers): ControllerOptions => ({
  workers: Math.max(1, workers),
  concurrentSyncs: 10,
  kubeApiQps: 20,
  kubeApiBurst: 30,
  leaderElect: false,
  leaderElectResourceNamespace: 'kube-system',
  leaderElectResourceName: 'device-taint-evictor',
  leaderElectLeaseDurationMs: 15_000,
  leaderElectRenewDeadlineMs: 10_000,
  leaderElectRetryPeriodMs: 2_000,
  metricsBindAddress: DEFAULT_INSECURE_METRICS_ADDRESS,
  metricsSecure: false,
  logLevel: 'info',
  logFormat: 'json',
  dryRun: false,
  evictionMode: 'delete',
  evictionTimeoutMs: 600_000,
  workloadClaims: false,
  deviceTaintRules: true,
  decodeThreads: autoDecodeThreads(cores),
  workerMaxOldSpaceMb: DEFAULT_WORKER_HEAP_LIMITS.maxOldGenerationMb,
  workerMaxYoungGenerationMb: DEFAULT_WORKER_HEAP_LIMITS.maxYoungGenerationMb,
  maxEvictionsPerSecond: 0,
  maxEvictionsBurst: 1,
  breakerMaxEvictions: null,
  breakerMaxPercent: null,
  breakerWindowMs: 600_000,
  breakerAutoResetAfterMs: null,
  breakerNamespace: 'kube-system',
  breakerName: DEFAULT_BREAKER_NAME,
});
