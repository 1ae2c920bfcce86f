// Server-side printing (Accept: application/json;as=Table;g=meta.k8s.io;v=v1): the Table a list, a
// single object or a watch event becomes (handlers/response.go asTable and
// printerstorage.TableConvertor, which always prints the wide cells).

import { isObject, type JsonObject, type JsonValue } from '../json.js';
import { badRequest } from '../status.js';
import { COLUMNS, DEFAULT_COLUMNS } from './columns.js';
import { defaultRow, PRINTERS } from './rows.js';

export { humanDuration } from './rows.js';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** metav1.TableOptions from the query (ValidateTableOptions rejects anything else). */
export function tableOptions(q: URLSearchParams): IncludeObject {
  const v = q.get('includeObject') ?? '';
  if (v === '') return 'Metadata';
  if (v === 'None' || v === 'Metadata' || v === 'Object') return v;
  throw badRequest(
    `Unable to convert to Table as requested: includeObject: Invalid value: ${JSON.stringify(v)}: must be 'Metadata', 'Object', 'None', or empty`,
  );
}

export interface TableRequest {
  /** meta.k8s.io version asked for (v1 or v1beta1). */
  readonly version: string;
  readonly includeObject: IncludeObject;
  /** Column definitions are left out (null) after the first event of a watch. */
  readonly noHeaders: boolean;
  readonly now: number;
}

export interface ListMetaFields {
  readonly resourceVersion: string;
  readonly continue?: string;
  readonly remainingItemCount?: number;
}

/** meta.AsPartialObjectMetadata */
export const partialObjectMetadata = (obj: JsonObject, version: string): JsonObject => ({
  kind: 'PartialObjectMetadata',
  apiVersion: `meta.k8s.io/${version}`,
  metadata: isObject(obj.metadata) ? obj.metadata : {},
});

/**
 * A Table of `objects` (each already in the requested API version). `resource` is the sim's
 * resource id; kinds without a printer get the default name / created-at table.
 */
export function buildTable(
  resource: string,
  objects: readonly JsonObject[],
  listMeta: ListMetaFields,
  req: TableRequest,
): JsonObject {
  const printer = PRINTERS[resource];
  const rows: JsonValue[] = objects.map((obj) => {
    const row = printer !== undefined ? printer(obj, req.now) : defaultRow(obj);
    const out: JsonObject = { cells: row.cells };
    if (row.conditions !== undefined) out.conditions = row.conditions.map((c) => ({ ...c }));
    if (req.includeObject === 'Object') out.object = obj;
    else if (req.includeObject === 'Metadata') out.object = partialObjectMetadata(obj, req.version);
    return out;
  });
  const metadata: JsonObject = { resourceVersion: listMeta.resourceVersion };
  if (listMeta.continue !== undefined) metadata.continue = listMeta.continue;
  if (listMeta.remainingItemCount !== undefined) metadata.remainingItemCount = listMeta.remainingItemCount;
  const columns = printer !== undefined ? (COLUMNS[resource] ?? DEFAULT_COLUMNS) : DEFAULT_COLUMNS;
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${req.version}`,
    metadata,
    columnDefinitions: req.noHeaders ? null : columns.map((c) => ({ ...c })),
    rows,
  };
}
