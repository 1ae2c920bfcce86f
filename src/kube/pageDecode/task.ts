// The piscina task that decodes one list page in a pool thread (see pool.ts). Stateless:
// bytes and a projector name in, the decoded page out. The page arrives as a transferred ArrayBuffer,
// so the main thread neither copies nor UTF-8-decodes it; only the compact records travel back.

import type { StoredRecord } from '../resources.js';
import { type DecodedPage, decodeListPage, isProjectorName, PROJECTORS, type ProjectorName } from './pageDecoder.js';

export interface DecodeTask {
  readonly projector: ProjectorName;
  readonly page: ArrayBuffer;
}

/** Checks a task received from another thread; throws (piscina rejects the run) on anything else. */
export function parseDecodeTask(task: unknown): DecodeTask {
  if (typeof task !== 'object' || task === null) throw new TypeError('decode task: not an object');
  const projector: unknown = Reflect.get(task, 'projector');
  const page: unknown = Reflect.get(task, 'page');
  if (!isProjectorName(projector)) throw new TypeError(`decode task: unknown projector ${String(projector)}`);
  if (!(page instanceof ArrayBuffer)) throw new TypeError('decode task: page is not an ArrayBuffer');
  return { projector, page };
}

export default function decodeTask(task: unknown): DecodedPage<StoredRecord> {
  const { projector, page } = parseDecodeTask(task);
  return decodeListPage(page, PROJECTORS[projector]);
}
