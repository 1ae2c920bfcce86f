// Decoding one list page (the raw bytes of a `…List` response) into projected records, as a pure
// function both the main thread and a pool thread can run. The reflector hands pages to a
// `PageDecoder`; the inline one runs here, on the calling thread, the pooled one (pool.ts) in
// piscina threads. Both must give the reflector exactly what its own loop over `items` did: records in
// list order, malformed items reported with the projector's error text and key, in order.
//
// The page decoder is this folder: pageDecoder.ts (the pure decode and the inline decoder), pool.ts
// (the piscina pool on the main thread), task.ts (what a pool thread runs), taskShim.mjs (the task
// file when running from TypeScript sources) and reintern.ts (sharing restored on records cloned back).

import { field, isObject } from '../../shared/jsonShape.js';
import { projectClaim } from '../../shared/projection/claim.js';
import { projectDeviceClass } from '../../shared/projection/deviceClass.js';
import { projectPod } from '../../shared/projection/pod.js';
import { projectPodGroup } from '../../shared/projection/podGroup.js';
import type { Projector } from '../../shared/projection/projector.js';
import { projectRule } from '../../shared/projection/rule.js';
import { makeSliceProjector } from '../../shared/projection/slice.js';
import type { ResourceDescriptor, StoredRecord } from '../resources.js';
import { parseRange, scanList } from './listScanner.js';

/**
 * A projector by name. Functions cannot cross a thread boundary, so a pool thread is told which
 * projector to run; names map one to one onto the descriptors in resources.ts.
 */
export type ProjectorName =
  | 'pod'
  | 'claim'
  | 'slice:v1'
  | 'slice:v1beta2'
  | 'slice:v1beta1'
  | 'deviceClass'
  | 'rule'
  | 'podGroup';

export const PROJECTORS: Readonly<Record<ProjectorName, Projector<StoredRecord>>> = {
  pod: projectPod,
  claim: projectClaim,
  'slice:v1': makeSliceProjector('v1'),
  'slice:v1beta2': makeSliceProjector('v1beta2'),
  'slice:v1beta1': makeSliceProjector('v1beta1'),
  deviceClass: projectDeviceClass,
  rule: projectRule,
  podGroup: projectPodGroup,
};

export const isProjectorName = (v: unknown): v is ProjectorName =>
  typeof v === 'string' && Object.hasOwn(PROJECTORS, v);

/** The projector name of a descriptor from resources.ts, or `null` for one this module does not know. */
export function projectorNameOf(r: Pick<ResourceDescriptor<StoredRecord>, 'group' | 'version' | 'plural'>) {
  const byPlural: Readonly<Record<string, ProjectorName>> = {
    pods: 'pod',
    resourceclaims: 'claim',
    deviceclasses: 'deviceClass',
    devicetaintrules: 'rule',
    podgroups: 'podGroup',
  };
  if (r.plural === 'resourceslices') {
    const name = `slice:${r.version}`;
    return isProjectorName(name) ? name : null;
  }
  return Object.hasOwn(byPlural, r.plural) ? (byPlural[r.plural] ?? null) : null;
}

/** An item of the page that failed projection: the reflector logs it and caches `fallback` or nothing. */
export interface MalformedItem<T = unknown> {
  readonly error: string;
  readonly key: string | null;
  /** The degraded record to cache instead (see Projection), or null to drop the object. */
  readonly fallback: T | null;
}

export type DecodedPage<T> =
  | {
      readonly ok: true;
      /** Projected records, in list order. */
      readonly items: T[];
      /** Items that failed projection, in list order. */
      readonly malformed: MalformedItem<T>[];
      /** `metadata.continue`; "" on the last page. */
      readonly continueToken: string;
      /** `metadata.resourceVersion`, `null` when absent. */
      readonly resourceVersion: string | null;
    }
  /** `notJson`: the body does not parse; `notList`: it parses but has no `items` array and `metadata`. */
  | { readonly ok: false; readonly reason: 'notJson' | 'notList' };

const utf8 = new TextDecoder();

/**
 * Parses and projects one page. Pure and total, like the projectors. Items are parsed and projected
 * one at a time (listScanner.ts), so a page's parsed objects never all live at once; a body the scanner
 * does not take apart is parsed whole, with the same result.
 */
export function decodeListPage<T>(page: ArrayBuffer | Uint8Array, project: Projector<T>): DecodedPage<T> {
  const bytes = page instanceof Uint8Array ? page : new Uint8Array(page);
  return decodeItemByItem(bytes, project) ?? decodeWhole(bytes, project);
}

/** The whole body through one JSON.parse. */
export function decodeWhole<T>(bytes: Uint8Array, project: Projector<T>): DecodedPage<T> {
  let body: unknown;
  try {
    body = JSON.parse(utf8.decode(bytes));
  } catch {
    return { ok: false, reason: 'notJson' };
  }
  return projectListBody(body, project);
}

/** projectListBody over the scanned items, parsed one by one; null when the body needs decodeWhole. */
function decodeItemByItem<T>(bytes: Uint8Array, project: Projector<T>): DecodedPage<T> | null {
  const scanned = scanList(bytes);
  if (scanned === null) return null;
  try {
    // Every member is parsed, used or not: a body is accepted only if JSON.parse would accept all of it.
    let meta: unknown;
    let rawItems: unknown;
    for (const [key, range] of scanned.members) {
      const value = parseRange(bytes, range);
      if (key === 'metadata') meta = value;
      else if (key === 'items') rawItems = value;
    }
    // `"items": null` is an empty list (see projectListBody).
    const itemRanges = scanned.items ?? (rawItems === null ? [] : null);
    if (itemRanges === null || !isObject(meta)) {
      // Still answer notJson for a body with an unparseable item, as a whole parse would.
      if (scanned.items !== null) for (const range of scanned.items) parseRange(bytes, range);
      return { ok: false, reason: 'notList' };
    }
    return projectedPage(itemRanges, (range) => parseRange(bytes, range), meta, project);
  } catch {
    // A range JSON.parse rejects: the body is not JSON, which decodeWhole reports.
    return null;
  }
}

/** Projects the items of an already parsed list response. */
export function projectListBody<T>(body: unknown, project: Projector<T>): DecodedPage<T> {
  const rawItems = isObject(body) ? field(body, 'items') : undefined;
  // Go encodes an empty slice as null; some aggregated servers do send `"items": null`.
  const list = rawItems === null ? [] : rawItems;
  const meta = isObject(body) ? field(body, 'metadata') : undefined;
  if (!Array.isArray(list) || !isObject(meta)) return { ok: false, reason: 'notList' };
  return projectedPage(list as readonly unknown[], (item) => item, meta, project);
}

/** A list page's items projected one by one (each parsed just before, by `parse`), with its metadata. */
function projectedPage<R, T>(
  raw: readonly R[],
  parse: (raw: R) => unknown,
  meta: Readonly<Record<string, unknown>>,
  project: Projector<T>,
): DecodedPage<T> {
  const items: T[] = [];
  const malformed: MalformedItem<T>[] = [];
  for (const one of raw) {
    const r = project(parse(one));
    if (r.ok) items.push(r.value);
    else malformed.push({ error: r.error, key: r.key, fallback: r.fallback ?? null });
  }
  const cont = field(meta, 'continue');
  const rv = field(meta, 'resourceVersion');
  return {
    ok: true,
    items,
    malformed,
    continueToken: typeof cont === 'string' ? cont : '',
    resourceVersion: typeof rv === 'string' ? rv : null,
  };
}

/**
 * Turns list pages into records. The reflector awaits one page at a time, so results come back in the
 * order pages were fetched whatever the implementation does inside.
 */
export interface PageDecoder {
  decode<T extends StoredRecord>(resource: ResourceDescriptor<T>, page: ArrayBuffer): Promise<DecodedPage<T>>;
  /** Releases threads, if any. Pages still being decoded are finished first. */
  close(): Promise<void>;
}

/** Decodes on the calling thread: the default, and the right choice for small lists. */
export class InlinePageDecoder implements PageDecoder {
  async decode<T extends StoredRecord>(resource: ResourceDescriptor<T>, page: ArrayBuffer): Promise<DecodedPage<T>> {
    return decodeListPage(page, resource.project);
  }

  async close(): Promise<void> {}
}
