// Decoding request bodies sent as application/vnd.kubernetes.protobuf, which typed client-go
// clients (kubectl create namespace, kubectl auth can-i, …) always use for built-in kinds and do
// not retry as JSON (client-go 1.32 falls back to JSON after a 415 only for CBOR). The envelope is
// runtime.Unknown behind the "k8s\0" magic; the object inside is decoded with the schema's
// protobuf field numbers (k8s.io/api generated.proto) into the JSON the apiserver would store.

import { isObject, type JsonObject, type JsonValue } from './json.js';
import { type FieldDef, fieldsOf, structDef, type TypeNode } from './schema/index.js';
import { badRequest } from './status.js';

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  get done(): boolean {
    return this.pos >= this.buf.length;
  }
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.buf.length) throw badRequest('protobuf: truncated varint');
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  }
  bytes(): Buffer {
    const len = Number(this.varint());
    if (this.pos + len > this.buf.length) throw badRequest('protobuf: truncated field');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw badRequest(`protobuf: unsupported wire type ${wire}`);
  }
}

/** Each field of a message: number, wire type, and a reader positioned at the value. */
function* fields(buf: Buffer): Generator<{ readonly num: number; readonly wire: number; readonly r: Reader }> {
  const r = new Reader(buf);
  while (!r.done) {
    const tag = Number(r.varint());
    yield { num: tag >>> 3, wire: tag & 7, r };
  }
}

const int64 = (v: bigint): number => Number(BigInt.asIntN(64, v));

function timeString(buf: Buffer, micro: boolean): JsonValue {
  let seconds = 0;
  let nanos = 0;
  for (const f of fields(buf)) {
    if (f.num === 1 && f.wire === 0) seconds = int64(f.r.varint());
    else if (f.num === 2 && f.wire === 0) nanos = int64(f.r.varint());
    else f.r.skip(f.wire);
  }
  // Go's zero time (0001-01-01) is what an unset metav1.Time marshals to; it means null.
  if (seconds === -62135596800 && nanos === 0) return null;
  const iso = new Date(seconds * 1000).toISOString();
  if (!micro) return iso.replace(/\.\d{3}Z$/, 'Z');
  return iso.replace(/\.\d{3}Z$/, `.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z`);
}

function scalar(node: Extract<TypeNode, { kind: 'scalar' }>, wire: number, r: Reader): JsonValue {
  switch (node.scalar) {
    case 'string':
      return r.bytes().toString('utf8');
    case 'bytes':
      return r.bytes().toString('base64');
    case 'bool':
      return r.varint() !== 0n;
    case 'double': {
      const v = r.buf.readDoubleLE(r.pos);
      r.pos += 8;
      return v;
    }
    case 'duration': {
      let ns = 0;
      for (const f of fields(r.bytes())) {
        if (f.num === 1 && f.wire === 0) ns = int64(f.r.varint());
        else f.r.skip(f.wire);
      }
      return `${ns / 1e9}s`;
    }
    default:
      if (wire !== 0) throw badRequest('protobuf: expected a varint');
      return int64(r.varint());
  }
}

function special(node: Extract<TypeNode, { kind: 'special' }>, buf: Buffer): JsonValue {
  switch (node.special) {
    case 'time':
      return timeString(buf, false);
    case 'mtime':
      return timeString(buf, true);
    case 'qty':
    case 'raw':
    case 'fieldsV1': {
      let raw: Buffer = Buffer.alloc(0);
      for (const f of fields(buf)) {
        if (f.num === 1 && f.wire === 2) raw = f.r.bytes();
        else f.r.skip(f.wire);
      }
      if (node.special === 'qty') return raw.toString('utf8');
      return raw.length === 0 ? null : (JSON.parse(raw.toString('utf8')) as JsonValue);
    }
    case 'ios': {
      let type = 0;
      let intVal = 0;
      let strVal = '';
      for (const f of fields(buf)) {
        if (f.num === 1 && f.wire === 0) type = int64(f.r.varint());
        else if (f.num === 2 && f.wire === 0) intVal = int64(f.r.varint());
        else if (f.num === 3 && f.wire === 2) strVal = f.r.bytes().toString('utf8');
        else f.r.skip(f.wire);
      }
      return type === 0 ? intVal : strVal;
    }
  }
}

/** One value of `node` (a list's element, a map's value, a field). */
function value(node: TypeNode, wire: number, r: Reader): JsonValue {
  if (node.kind === 'scalar') return scalar(node, wire, r);
  if (node.kind === 'special') return special(node, r.bytes());
  if (node.kind === 'struct') return message(node.def, r.bytes());
  if (node.kind === 'list') {
    // map[string][]string values are wrapped (e.g. authentication ExtraValue { repeated items = 1 }).
    const items: JsonValue[] = [];
    for (const f of fields(r.bytes())) {
      if (f.num === 1) items.push(value(node.items, f.wire, f.r));
      else f.r.skip(f.wire);
    }
    return items;
  }
  return message('', r.bytes());
}

const isZero = (v: JsonValue): boolean =>
  v === '' ||
  v === 0 ||
  v === false ||
  (Array.isArray(v) && v.length === 0) ||
  (isObject(v) && Object.keys(v).length === 0);

/** Decodes a message of definition `def` into JSON, leaving out unset (zero, omitempty) fields. */
function message(def: string, buf: Buffer): JsonObject {
  const out: JsonObject = {};
  if (def === '') return out;
  const byNumber = new Map<number, FieldDef>();
  for (const f of structDef(def).fields.values()) if (f.proto !== undefined) byNumber.set(f.proto, f);
  const inline = structDef(def).inline;
  for (const { num, wire, r } of fields(buf)) {
    if (inline !== undefined && num === inline.proto) {
      Object.assign(out, message(inline.def, r.bytes()));
      continue;
    }
    const f = byNumber.get(num);
    if (f === undefined) {
      r.skip(wire);
      continue;
    }
    const node = f.type;
    if (node.kind === 'list') {
      const list = Array.isArray(out[f.name]) ? (out[f.name] as JsonValue[]) : [];
      const packed = wire === 2 && node.items.kind === 'scalar' && !['string', 'bytes'].includes(node.items.scalar);
      if (packed) {
        const inner = new Reader(r.bytes());
        while (!inner.done) list.push(value(node.items, 0, inner));
      } else list.push(value(node.items, wire, r));
      out[f.name] = list;
    } else if (node.kind === 'map') {
      const entry = r.bytes();
      let key = '';
      let val: JsonValue = null;
      for (const e of fields(entry)) {
        if (e.num === 1) key = e.r.bytes().toString('utf8');
        else if (e.num === 2) val = value(node.values, e.wire, e.r);
        else e.r.skip(e.wire);
      }
      const map = isObject(out[f.name]) ? (out[f.name] as JsonObject) : {};
      map[key] = val;
      out[f.name] = map;
    } else out[f.name] = value(node, wire, r);
  }
  // gogo-protobuf writes every non-pointer field; JSON omits the zero ones (omitempty), except
  // fields the apiserver always serializes and explicit zeros behind pointers.
  for (const f of fieldsOf(def).values()) {
    const v = out[f.name];
    if (v === undefined || f.alwaysPresent !== undefined || f.pointer) continue;
    if (v === null || (isZero(v) && f.type.kind !== 'struct')) delete out[f.name];
  }
  return out;
}

export interface DecodedProtobuf {
  readonly apiVersion: string;
  readonly kind: string;
  readonly object: JsonObject;
}

/**
 * Decodes a protobuf request body. `schemaOf(apiVersion, kind)` names the definition to decode the
 * object with (undefined: a kind the sim has no schema for, answered like an undecodable body).
 */
export function decodeProtobuf(
  body: Buffer,
  schemaOf: (apiVersion: string, kind: string) => string | undefined,
): DecodedProtobuf {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) {
    throw badRequest('provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]');
  }
  let apiVersion = '';
  let kind = '';
  let raw: Buffer = Buffer.alloc(0);
  for (const f of fields(body.subarray(4))) {
    if (f.num === 1 && f.wire === 2) {
      for (const t of fields(f.r.bytes())) {
        if (t.num === 1) apiVersion = t.r.bytes().toString('utf8');
        else if (t.num === 2) kind = t.r.bytes().toString('utf8');
        else t.r.skip(t.wire);
      }
    } else if (f.num === 2 && f.wire === 2) raw = f.r.bytes();
    else f.r.skip(f.wire);
  }
  const def = schemaOf(apiVersion, kind);
  if (def === undefined) {
    throw badRequest(
      `no kind "${kind}" is registered for version "${apiVersion}" in scheme "pkg/api/legacyscheme/scheme.go:30"`,
    );
  }
  return { apiVersion, kind, object: { apiVersion, kind, ...message(def, raw) } };
}
