// What SimStore's methods take and return.

import type { StoredEntry } from './entry.js';
import type { EntryFilter } from './entryFilter.js';
import type { EventType } from './history.js';
import type { JsonObject } from './json.js';

export type { EntryFilter } from './entryFilter.js';

export interface SimStoreOptions {
  /** Events kept for watch resumption and paginated snapshots (default 10,000). */
  readonly watchHistory?: number;
  /** Milliseconds since epoch for creationTimestamp, deletionTimestamp and timeAdded defaulting. */
  readonly clock?: () => number;
  /** When set, deleting a pod sets deletionTimestamp and removes it `gracePeriodMs` later (a kubelet stand-in). */
  readonly podDeletion?: { readonly gracePeriodMs: number };
  /** Namespaces that exist from the start (default: default, kube-system, kube-public, kube-node-lease). */
  readonly initialNamespaces?: readonly string[];
  /**
   * Run the disruption controller (PodDisruptionBudget status) inside the store, synchronously after
   * each write (default true). false: PDB status is only what clients and evictions write, as with
   * kube-controller-manager stopped.
   */
  readonly disruptionController?: boolean;
}

export interface ListPage {
  readonly items: readonly StoredEntry[];
  /** The snapshot's resourceVersion. */
  readonly resourceVersion: number;
  /** Key of the last item when more may follow (feed back as `startAfter`). */
  readonly continueAfter: string | undefined;
  /** Objects after this page when nothing filters them (as `remainingItemCount`). */
  readonly remaining: number | undefined;
}

export interface ListOptions extends EntryFilter {
  readonly limit?: number;
  /** List as of this resourceVersion (must be ≥ the compacted revision) instead of now. */
  readonly atRv?: number;
  /** Continue after this key. */
  readonly startAfter?: string;
}

export type WatchListener = (type: EventType, entry: StoredEntry) => void;

export interface WatchHandle {
  stop(): void;
}

/**
 * Who is writing, for metadata.managedFields. Writes without one (in-process seeding and test
 * fixtures) leave managedFields as they are, as the apiserver has no such path.
 */
export interface FieldManagerOptions {
  /** Field manager name (?fieldManager=, else the User-Agent prefix). */
  readonly manager: string;
  /** apiVersion of the request, recorded in the entry (default: the storage version). */
  readonly apiVersion?: string;
}

export interface WriteOptions {
  readonly subresource?: 'status';
  /** ?dryRun=All: admission, defaulting and validation run, the result is returned, nothing is stored. */
  readonly dryRun?: boolean;
  readonly fieldManager?: FieldManagerOptions;
}

export interface CreateOptions {
  readonly dryRun?: boolean;
  readonly fieldManager?: FieldManagerOptions;
  /**
   * Keep `status` as given. The apiserver resets status on create for resources with a status
   * subresource (pods start Pending, claims unallocated); seeding a running cluster opts out.
   */
  readonly keepStatus?: boolean;
}

export interface DeleteOptions {
  readonly dryRun?: boolean;
  readonly preconditions?: { readonly uid?: string; readonly resourceVersion?: string };
  readonly gracePeriodSeconds?: number;
}

export interface PatchOptions extends Omit<WriteOptions, 'fieldManager'> {
  /** apiVersion's version the patch is expressed in (default: storage version). */
  readonly version?: string;
  /** Manager name; required for apply patches. */
  readonly fieldManager?: string;
  readonly force?: boolean;
  /**
   * Runs on the patched object (request version) before it is stored: the HTTP layer decodes it
   * into the kind's schema here (unknown fields: reject, warn or drop), as the apiserver decodes a
   * patched object into its Go struct.
   */
  readonly decode?: (patched: JsonObject) => JsonObject;
}
