// The IPC protocol between a benchmark and the simulated API server it runs in a child process
// (bench/simChild.ts). The sim lives in its own process so its CPU and heap never count as the
// controller's: that is how a controller meets a real apiserver. Messages are validated on arrival.

import type { LatencySummary } from './harness.js';

export interface SimChildParams {
  readonly pods: number;
  readonly nodes: number;
  readonly namespaces?: number;
  readonly toleratingRatio?: number;
  readonly tolerationSeconds?: number | null;
  readonly watchHistory?: number;
}

export type SimRequest =
  | {
      readonly op: 'createRule';
      readonly name: string;
      readonly effect: string;
      /** Explicit `timeAdded` (ms since epoch), so due times are known exactly. */
      readonly timeAddedMs: number;
    }
  | { readonly op: 'updateRuleEffect'; readonly name: string; readonly effect: string; readonly timeAddedMs: number }
  /** Taints the devices of slices 0…count-1 (one pod each when nodes = pods) at `ratePerSec`, timing each pod's DELETE from the write. */
  | { readonly op: 'taintSlicesPaced'; readonly count: number; readonly ratePerSec: number }
  /** Creates, relabels and deletes plain pods at `ratePerSec` for `durationMs`; pod names carry their creation time. */
  | { readonly op: 'churn'; readonly ratePerSec: number; readonly durationMs: number }
  | { readonly op: 'waitDeleted'; readonly count: number; readonly timeoutMs: number }
  /** CPU-profiles the sim's own thread from now until `profileStop`, which writes `path`. */
  | { readonly op: 'profileStart' }
  | { readonly op: 'profileStop'; readonly path: string }
  | { readonly op: 'stats' }
  | { readonly op: 'resetRequests' };

export type RequestCounts = Readonly<Record<string, number>>;

export interface SimStats {
  readonly podsLeft: number;
  readonly podsDeleted: number;
  /** CPU time of the sim process since it started (user + system). */
  readonly cpuMs: number;
  readonly requests: RequestCounts;
  /** Write of a taint → DELETE of its pod, for `taintSlicesPaced`. */
  readonly pacedLatency: LatencySummary | null;
  readonly pacedCdf: readonly { readonly percentile: number; readonly ms: number }[];
}

export type SimChildMessage =
  | { readonly type: 'ready'; readonly kubeconfigYaml: string; readonly seedMs: number }
  | { readonly type: 'reply'; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly type: 'reply'; readonly id: number; readonly ok: false; readonly error: string };

export interface SimParentMessage {
  readonly id: number;
  readonly request: SimRequest;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

export function isSimChildMessage(v: unknown): v is SimChildMessage {
  if (!isObject(v)) return false;
  if (v.type === 'ready') return typeof v.kubeconfigYaml === 'string' && typeof v.seedMs === 'number';
  if (v.type === 'reply') return typeof v.id === 'number' && typeof v.ok === 'boolean';
  return false;
}

const OPS: ReadonlySet<unknown> = new Set([
  'createRule',
  'updateRuleEffect',
  'taintSlicesPaced',
  'churn',
  'waitDeleted',
  'stats',
  'resetRequests',
  'profileStart',
  'profileStop',
]);

export function isSimParentMessage(v: unknown): v is SimParentMessage {
  return isObject(v) && typeof v.id === 'number' && isObject(v.request) && OPS.has(v.request.op);
}
