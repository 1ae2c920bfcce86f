// One stored object version. Immutable once built: lists and watch streams hold references to
// entries while the store moves on, which is what makes a captured list page a consistent snapshot.

import type { Labels } from './selectors.js';

export interface StoredEntry {
  /** `namespace/name`, or `name` for cluster-scoped objects; the sort key of lists. */
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly rv: number;
  /** The stored object serialized once; written to sockets as is for the storage version. */
  readonly json: Buffer;
  readonly labels: Labels | undefined;
  /** Values of the resource's selectable fields (metadata.name, metadata.namespace, spec.nodeName, …). */
  readonly fields: Readonly<Record<string, string>>;
}
