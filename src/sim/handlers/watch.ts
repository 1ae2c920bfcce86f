// WATCH: a stream of newline-delimited events from a resourceVersion (or, without one, every object
// first), with bookmarks, timeoutSeconds, 410 Gone as an ERROR event, and Table events for
// `kubectl get -w` (column definitions on the first event only: watchEmbeddedEncoder).

import { isObject, type JsonObject } from '../json.js';
import { SimApiError } from '../status.js';
import { compileFilter } from '../store.js';
import { buildTable, tableOptions } from '../tables/index.js';
import { WatchSession } from '../watchSession.js';
import { outputOf, type ResourceRequest } from './context.js';
import { parseRv } from './read.js';

export interface WatchHost {
  readonly bookmarkMs: number;
  readonly sessions: Set<WatchSession>;
  /** Consumes one forced 410 (FaultConfig.expireWatches); true when this watch must expire. */
  takeForcedExpiry(): boolean;
}

const truthy = (v: string | null): boolean => v === 'true' || v === '1';

export function watchObjects(r: ResourceRequest, host: WatchHost): void {
  const { def, version } = r.route;
  const q = r.q;
  const media = outputOf(r);
  const filter = compileFilter(
    def.id,
    r.route.namespace,
    q.get('labelSelector') ?? undefined,
    q.get('fieldSelector') ?? undefined,
  );
  const rvParam = q.get('resourceVersion') ?? '';
  const initialEvents = truthy(q.get('sendInitialEvents'));
  const sinceRv = initialEvents || rvParam === '' || rvParam === '0' ? undefined : parseRv(rvParam);
  const timeoutParam = q.get('timeoutSeconds');
  const timeoutMs = timeoutParam !== null && timeoutParam !== '' ? Number(timeoutParam) * 1000 : undefined;
  const bookmarks = truthy(q.get('allowWatchBookmarks'));
  let transform: ((obj: JsonObject) => JsonObject) | undefined;
  const t = media.transform;
  if (t?.kind === 'Table') {
    const includeObject = tableOptions(q);
    let first = true;
    transform = (obj) => {
      const meta = isObject(obj.metadata) ? obj.metadata : {};
      const table = buildTable(
        def.id,
        [obj],
        { resourceVersion: typeof meta.resourceVersion === 'string' ? meta.resourceVersion : '' },
        { version: t.version, includeObject, noHeaders: !first, now: r.now() },
      );
      first = false;
      return table;
    };
  }
  const session = new WatchSession(r.res, def, version, (s) => host.sessions.delete(s), transform);
  host.sessions.add(session);
  try {
    if (sinceRv !== undefined && host.takeForcedExpiry()) {
      throw new SimApiError(410, 'Expired', `too old resource version: ${sinceRv} (${r.store.resourceVersion})`);
    }
    session.start((listener) => r.store.watch(def.id, filter, sinceRv, listener), {
      bookmarkMs: bookmarks ? host.bookmarkMs : undefined,
      timeoutMs: timeoutMs !== undefined && timeoutMs > 0 ? timeoutMs : undefined,
      currentRv: () => r.store.resourceVersion,
    });
    if (initialEvents && bookmarks) session.bookmark(r.store.resourceVersion, { 'k8s.io/initial-events-end': 'true' });
  } catch (err: unknown) {
    // A watch from a compacted resourceVersion is answered 200 + ERROR event, as real apiservers do.
    if (err instanceof SimApiError) session.fail(err.toStatus());
    else throw err;
  }
}
