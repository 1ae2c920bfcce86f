// Plain data the load generator passes between its phases: what it created (population), which
// taints it set and when the server says it set them (ledger), and what it saw happen (observer).
// Times are milliseconds since the Unix epoch.

import type { DeviceId } from '../shared/types.js';

/** How a pod's claim tolerates the storm's taint key (allocation-result toleration, effect NoExecute). */
export type LoadToleration =
  | { readonly kind: 'none' }
  | { readonly kind: 'seconds'; readonly seconds: number }
  /** No `tolerationSeconds`: the pod must never be evicted for this key. */
  | { readonly kind: 'forever' };

/** One pod the generator created, with its claim and the single device allocated to it. */
export interface LoadPod {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly claimName: string;
  readonly nodeName: string;
  readonly device: DeviceId;
  readonly toleration: LoadToleration;
}

/** One node's ResourceSlice as created: pool = node name, one slice per pool. */
export interface LoadSlice {
  readonly name: string;
  readonly nodeName: string;
  readonly driver: string;
  readonly pool: string;
  readonly devices: readonly string[];
}

export const deviceKey = (d: DeviceId): string => `${d.driver}/${d.pool}/${d.device}`;

/** Which devices an applied taint covers: listed slice devices, or every device of a driver (a rule). */
export type TaintScope =
  | { readonly kind: 'devices'; readonly devices: readonly DeviceId[] }
  | { readonly kind: 'driver'; readonly driver: string };

/** A NoExecute taint the generator put on devices, stamped with the server's `timeAdded`. */
export interface AppliedTaint {
  /** Where it came from: `slice/<name>` or `rule/<name>`. */
  readonly source: string;
  readonly key: string;
  readonly value: string;
  /** Server-reported `timeAdded`; the local response time when the server sent none (see `serverStamped`). */
  readonly timeAdded: number;
  readonly serverStamped: boolean;
  readonly scope: TaintScope;
}
