// GET of one object and LIST (paginated, consistent snapshots via continue tokens), answered as
// JSON, YAML, a Table or PartialObjectMetadata[List] as the Accept header asks.

import { decodeContinue, encodeContinue } from '../continueToken.js';
import { fromStorage, isStorageVersion } from '../conversion.js';
import { sendEncoded, writeAll } from '../http.js';
import type { JsonObject } from '../json.js';
import { apiVersionOf } from '../resources.js';
import { badRequest, notFound, SimApiError } from '../status.js';
import { compileFilter, entryObject } from '../store.js';
import { buildTable, partialObjectMetadata, tableOptions } from '../tables/index.js';
import { inRequestVersion, namespaceOf, outputOf, type ResourceRequest, respondObject } from './context.js';

export function parseRv(v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw badRequest(`invalid resource version: ${v}`);
  return n;
}

export function getObject(r: ResourceRequest): void {
  const { def, version, name } = r.route;
  const namespace = namespaceOf(r);
  const media = outputOf(r);
  const entry = r.store.getEntry(def.id, namespace, name!);
  if (entry === undefined) throw notFound(def.plural, def.group, name!);
  if (media.encoding === 'json' && media.transform === undefined && isStorageVersion(def, version)) {
    // The stored bytes are the answer: no parse, no re-serialization.
    r.res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': entry.json.length });
    r.res.end(entry.json);
    return;
  }
  respondObject(r, 200, inRequestVersion(r, entryObject(entry)), media);
}

export async function listObjects(r: ResourceRequest): Promise<void> {
  const { def, version } = r.route;
  const q = r.q;
  const media = outputOf(r);
  const filter = compileFilter(
    def.id,
    r.route.namespace,
    q.get('labelSelector') ?? undefined,
    q.get('fieldSelector') ?? undefined,
  );
  const limitParam = q.get('limit');
  const limit = limitParam !== null && limitParam !== '' ? Number.parseInt(limitParam, 10) : undefined;
  const token = q.get('continue');
  const rvParam = q.get('resourceVersion') ?? '';
  let atRv: number | undefined;
  let startAfter: string | undefined;
  if (token !== null && token !== '') {
    if (rvParam !== '' && rvParam !== '0')
      throw badRequest('specifying resource version is not allowed when using continue');
    const pos = decodeContinue(token);
    atRv = pos.rv;
    startAfter = pos.start;
  } else if (rvParam !== '' && rvParam !== '0' && q.get('resourceVersionMatch') === 'Exact') {
    atRv = parseRv(rvParam);
    if (atRv < r.store.compactedResourceVersion) {
      throw new SimApiError(410, 'Expired', `The resourceVersion for the provided list is too old.`);
    }
  }
  const page = r.store.listPage(def.id, {
    ...filter,
    limit: Number.isNaN(limit) ? undefined : limit,
    atRv,
    startAfter,
  });
  const meta: JsonObject = { resourceVersion: String(page.resourceVersion) };
  if (page.continueAfter !== undefined)
    meta.continue = encodeContinue({ rv: page.resourceVersion, start: page.continueAfter });
  if (page.remaining !== undefined) meta.remainingItemCount = page.remaining;
  const t = media.transform;
  if (t !== undefined || media.encoding !== 'json') {
    const items = page.items.map((e) => fromStorage(def, version, entryObject(e)));
    if (t?.kind === 'PartialObjectMetadata') {
      throw new SimApiError(
        406,
        'NotAcceptable',
        'you requested PartialObjectMetadata, but the requested object is a list (*unstructured.UnstructuredList)',
      );
    }
    let body: JsonObject;
    if (t?.kind === 'Table') {
      body = buildTable(
        def.id,
        items,
        {
          resourceVersion: String(page.resourceVersion),
          continue: typeof meta.continue === 'string' ? meta.continue : undefined,
          remainingItemCount: page.remaining,
        },
        { version: t.version, includeObject: tableOptions(q), noHeaders: false, now: r.now() },
      );
    } else if (t?.kind === 'PartialObjectMetadataList') {
      body = {
        kind: 'PartialObjectMetadataList',
        apiVersion: `meta.k8s.io/${t.version}`,
        metadata: meta,
        items: items.map((o) => partialObjectMetadata(o, t.version)),
      };
    } else {
      body = { kind: `${def.kind}List`, apiVersion: apiVersionOf(def.group, version), metadata: meta, items };
    }
    sendEncoded(r.res, 200, body, media);
    return;
  }
  // Plain JSON: streamed from the stored bytes, a page at a time.
  const head = `{"kind":"${def.kind}List","apiVersion":"${apiVersionOf(def.group, version)}","metadata":${JSON.stringify(meta)},"items":[`;
  r.res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
  const direct = isStorageVersion(def, version);
  const comma = Buffer.from(',');
  function* chunks(): Generator<Buffer> {
    yield Buffer.from(head);
    let first = true;
    for (const e of page.items) {
      if (!first) yield comma;
      first = false;
      yield direct ? e.json : Buffer.from(JSON.stringify(fromStorage(def, version, entryObject(e))));
    }
    yield Buffer.from(']}');
  }
  await writeAll(r.res, chunks());
  r.res.end();
}
