// Finds the items of a `…List` response body in its raw bytes, so that each item can be parsed and
// projected on its own (pageDecoder.ts) instead of parsing the whole page into one object tree.
//
// Why: JSON.parse of a 500-pod page builds some megabytes of objects that all stay alive until the last
// item is projected. A scavenge that runs meanwhile (the young generation is 16 MB) promotes the whole
// tree to the old generation, where it is garbage that only a full mark-compact frees, and the resident
// set of a controller syncing 150k pods grew by about 100 MB of such garbage (measured; see
// bench/REPORT.md). Parsed one item at a time, what is alive at any moment is one item.
//
// The scanner only delimits: the top-level object's members, and the elements of its `items` array,
// as byte ranges. It never decides what a value means; every range is handed to JSON.parse, which
// validates it. The structure between the ranges (braces, brackets, commas, colons, whitespace) is
// checked here as strictly as JSON.parse would, so a body is accepted exactly when JSON.parse would
// accept it whole. Anything unexpected (not an object at the top, a duplicate top-level key, a
// malformed separator) returns null, and the caller parses the whole body the ordinary way.

export interface ScannedList {
  /** Top-level members other than an `items` array, as byte ranges of their values. */
  readonly members: ReadonlyMap<string, readonly [number, number]>;
  /** Byte ranges of the `items` array's elements, or null when `items` is absent or not an array. */
  readonly items: readonly (readonly [number, number])[] | null;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

const isWhitespace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

function skipWhitespace(b: Uint8Array, i: number): number {
  while (i < b.length && isWhitespace(b[i]!)) i++;
  return i;
}

/** End (exclusive) of the string starting at `b[i]` (a quote), or -1. */
function skipString(b: Uint8Array, i: number): number {
  const n = b.length;
  for (i++; i < n; i++) {
    const c = b[i]!;
    if (c === QUOTE) return i + 1;
    if (c === BACKSLASH) i++;
  }
  return -1;
}

/**
 * End (exclusive) of the value starting at `b[i]`, or -1. Nesting is followed by depth only (a `{`
 * closed by `]` is left to JSON.parse to reject); scalars run to the next delimiter.
 */
function skipValue(b: Uint8Array, i: number): number {
  const n = b.length;
  const c = b[i];
  if (c === undefined) return -1;
  if (c === QUOTE) return skipString(b, i);
  if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
    let depth = 0;
    while (i < n) {
      const d = b[i]!;
      if (d === QUOTE) {
        i = skipString(b, i);
        if (i < 0) return -1;
        continue;
      }
      if (d === OPEN_OBJECT || d === OPEN_ARRAY) depth++;
      else if (d === CLOSE_OBJECT || d === CLOSE_ARRAY) {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    return -1;
  }
  const start = i;
  while (i < n) {
    const d = b[i]!;
    if (d === COMMA || d === CLOSE_OBJECT || d === CLOSE_ARRAY || isWhitespace(d)) break;
    i++;
  }
  return i > start ? i : -1;
}

const utf8 = new TextDecoder();

/** The byte ranges of a list body's members and items, or null (see the header). */
export function scanList(b: Uint8Array): ScannedList | null {
  let i = skipWhitespace(b, 0);
  if (b[i] !== OPEN_OBJECT) return null;
  i = skipWhitespace(b, i + 1);
  const members = new Map<string, readonly [number, number]>();
  let items: [number, number][] | null = null;
  let seenItems = false;
  if (b[i] === CLOSE_OBJECT) i++;
  else
    for (;;) {
      if (b[i] !== QUOTE) return null;
      const keyEnd = skipString(b, i);
      if (keyEnd < 0) return null;
      let key: unknown;
      try {
        key = JSON.parse(utf8.decode(b.subarray(i, keyEnd)));
      } catch {
        return null;
      }
      if (typeof key !== 'string' || members.has(key) || (key === 'items' && seenItems)) return null;
      i = skipWhitespace(b, keyEnd);
      if (b[i] !== COLON) return null;
      i = skipWhitespace(b, i + 1);
      if (key === 'items' && b[i] === OPEN_ARRAY) {
        seenItems = true;
        items = [];
        i = skipWhitespace(b, i + 1);
        if (b[i] === CLOSE_ARRAY) i++;
        else
          for (;;) {
            const end = skipValue(b, i);
            if (end < 0) return null;
            items.push([i, end]);
            i = skipWhitespace(b, end);
            if (b[i] === COMMA) {
              i = skipWhitespace(b, i + 1);
              continue;
            }
            if (b[i] !== CLOSE_ARRAY) return null;
            i++;
            break;
          }
      } else {
        const end = skipValue(b, i);
        if (end < 0) return null;
        members.set(key, [i, end]);
        i = end;
      }
      i = skipWhitespace(b, i);
      if (b[i] === COMMA) {
        i = skipWhitespace(b, i + 1);
        continue;
      }
      if (b[i] !== CLOSE_OBJECT) return null;
      i++;
      break;
    }
  return skipWhitespace(b, i) === b.length ? { members, items } : null;
}

/** JSON.parse of one scanned range; throws SyntaxError like JSON.parse. */
export function parseRange(b: Uint8Array, range: readonly [number, number]): unknown {
  return JSON.parse(utf8.decode(b.subarray(range[0], range[1])));
}
