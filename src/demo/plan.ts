// The demo's cluster, written down so that every act can say in advance which pods must go and which
// must stay: 4 nodes × 8 GPUs (NVIDIA DRA driver layout, one pool per node), 16 pods in 2 namespaces,
// each holding one GPU through an allocated ResourceClaim. Who tolerates what is chosen per pod, not
// drawn at random, so the story is the same on every run.

import type { LoadToleration } from '../load/types.js';
export const DEMO_DRIVER = 'gpu.nvidia.com';
/** The taint key NVIDIA's driver uses for GPU health events (value = the XID code). */
export const XID_TAINT_KEY = 'gpu.nvidia.com/xid';
export const DEMO_NODES = 4;
export const DEMO_DEVICES_PER_NODE = 8;
export const DEMO_NAMESPACES = ['team-00', 'team-01'] as const;

/** How long a pod tolerates `gpu.nvidia.com/xid` NoExecute taints: the load generator's notion, reused. */
export type DemoToleration = LoadToleration;

export interface DemoPodPlan {
  readonly namespace: string;
  readonly name: string;
  /** 0-based node index: `gpu-node-0000` … */
  readonly node: number;
  /** 0-based device index on that node: `gpu-0` … */
  readonly device: number;
  readonly toleration: DemoToleration;
}

export interface DemoPlanOptions {
  /** tolerationSeconds of the tolerating pods (default 5). */
  readonly tolerationSeconds?: number;
}

/** Same naming as the simulated cluster's seeding (src/sim/seed.ts), so slices and pods line up. */
export const nodeName = (node: number): string => `gpu-node-${String(node).padStart(4, '0')}`;
export const deviceName = (device: number): string => `gpu-${device}`;
export const sliceName = (node: number): string => `${nodeName(node)}-${DEMO_DRIVER}`;
export const claimNameOf = (pod: DemoPodPlan): string => `${pod.name}-gpu`;
export const podLabel = (pod: { readonly namespace: string; readonly name: string }): string =>
  `${pod.namespace}/${pod.name}`;
export const placementOf = (pod: DemoPodPlan): string => `${nodeName(pod.node)}/${deviceName(pod.device)}`;

export function describeToleration(t: DemoToleration): string {
  switch (t.kind) {
    case 'none':
      return 'no toleration';
    case 'seconds':
      return `tolerates ${t.seconds} s`;
    case 'forever':
      return 'tolerates forever';
  }
}

/**
 * Node 0 is never touched (bystanders). Node 1 loses gpu-3 to an XID in act 1; node 2 loses gpu-1 (a
 * tolerating pod) in act 2; node 3 is the pool the administrator's DeviceTaintRule covers in acts 3–4,
 * with one pod of every kind so the rule shows an immediate, a delayed and a spared pod.
 */
export function demoPlan(options: DemoPlanOptions = {}): readonly DemoPodPlan[] {
  const seconds = options.tolerationSeconds ?? 5;
  const none: DemoToleration = { kind: 'none' };
  const brief: DemoToleration = { kind: 'seconds', seconds };
  const forever: DemoToleration = { kind: 'forever' };
  const layout: readonly (readonly DemoToleration[])[] = [
    [none, none, none, none],
    [brief, none, forever, none],
    [none, brief, none, none],
    [none, none, brief, forever],
  ];
  const pods: DemoPodPlan[] = [];
  layout.forEach((devices, node) => {
    devices.forEach((toleration, device) => {
      pods.push({
        namespace: DEMO_NAMESPACES[(node + device) % DEMO_NAMESPACES.length]!,
        name: `trainer-n${node}-g${device}`,
        node,
        device,
        toleration,
      });
    });
  });
  return pods;
}

/** The pods holding `device` of `node`. */
export const podsOn = <P extends DemoPodPlan>(plan: readonly P[], node: number, device?: number): P[] =>
  plan.filter((p) => p.node === node && (device === undefined || p.device === device));
