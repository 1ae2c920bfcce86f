// /openapi/v2 in protobuf (gnostic openapi_v2.Document, application/com.github.proto-openapi.spec.v2@
// v1.0+protobuf): what client-go's DiscoveryClient.OpenAPISchema asks for, and the only encoding it
// decodes. Encodes the JSON Swagger document this server builds; vendor extensions travel as YAML
// text (gnostic's Any.yaml), which JSON is.

import { isObject, type JsonObject, type JsonValue } from '../json.js';

class Writer {
  private readonly parts: Buffer[] = [];
  private tag(num: number, wire: number): void {
    this.varint((num << 3) | wire);
  }
  private varint(n: number): void {
    const bytes: number[] = [];
    let v = n;
    while (v > 0x7f) {
      bytes.push((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    bytes.push(v);
    this.parts.push(Buffer.from(bytes));
  }
  string(num: number, v: JsonValue | undefined): this {
    if (typeof v !== 'string' || v === '') return this;
    const b = Buffer.from(v, 'utf8');
    this.tag(num, 2);
    this.varint(b.length);
    this.parts.push(b);
    return this;
  }
  strings(num: number, v: JsonValue | undefined): this {
    if (Array.isArray(v)) for (const s of v) this.string(num, s);
    return this;
  }
  bool(num: number, v: JsonValue | undefined): this {
    if (v === true) {
      this.tag(num, 0);
      this.varint(1);
    }
    return this;
  }
  int(num: number, v: JsonValue | undefined): this {
    if (typeof v === 'number' && v > 0) {
      this.tag(num, 0);
      this.varint(v);
    }
    return this;
  }
  message(num: number, m: Writer | undefined): this {
    if (m === undefined) return this;
    const b = m.finish();
    this.tag(num, 2);
    this.varint(b.length);
    this.parts.push(b);
    return this;
  }
  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}

const obj = (v: JsonValue | undefined): JsonObject => (isObject(v) ? v : {});

/** NamedAny entries for the x-* keys of `o`: Any { yaml = 2 }. */
function extensions(w: Writer, num: number, o: JsonObject): void {
  for (const [k, v] of Object.entries(o)) {
    if (!k.startsWith('x-')) continue;
    w.message(num, new Writer().string(1, k).message(2, new Writer().string(2, `${JSON.stringify(v)}\n`)));
  }
}

function schema(s: JsonObject): Writer {
  const w = new Writer().string(1, s.$ref).string(2, s.format).string(4, s.description);
  w.strings(19, s.required);
  if (isObject(s.additionalProperties)) w.message(21, new Writer().message(1, schema(s.additionalProperties)));
  if (typeof s.type === 'string') w.message(22, new Writer().string(1, s.type));
  if (isObject(s.items)) w.message(23, new Writer().message(1, schema(s.items)));
  if (Array.isArray(s.allOf)) for (const a of s.allOf) w.message(24, schema(obj(a)));
  if (isObject(s.properties)) {
    const props = new Writer();
    for (const [k, v] of Object.entries(s.properties))
      props.message(1, new Writer().string(1, k).message(2, schema(obj(v))));
    w.message(25, props);
  }
  extensions(w, 31, s);
  return w;
}

function parameter(p: JsonObject): Writer {
  if (p.in === 'body') {
    const body = new Writer().string(1, p.description).string(2, p.name).string(3, p.in).bool(4, p.required);
    body.message(5, schema(obj(p.schema)));
    return new Writer().message(1, new Writer().message(1, body));
  }
  // Query and path parameters share a layout up to `type`; query has allow_empty_value at 5.
  const query = p.in === 'query';
  const sub = new Writer().bool(1, p.required).string(2, p.in).string(3, p.description).string(4, p.name);
  sub.string(query ? 6 : 5, p.type).bool(query ? 20 : 19, p.uniqueItems);
  const nonBody = new Writer().message(query ? 3 : 4, sub);
  return new Writer().message(1, new Writer().message(2, nonBody));
}

function operation(o: JsonObject): Writer {
  const w = new Writer().strings(1, o.tags).string(3, o.description).string(5, o.operationId);
  w.strings(6, o.produces).strings(7, o.consumes);
  if (Array.isArray(o.parameters)) for (const p of o.parameters) w.message(8, parameter(obj(p)));
  const responses = new Writer();
  for (const [code, r] of Object.entries(obj(o.responses))) {
    const resp = new Writer().string(1, obj(r).description);
    if (isObject(obj(r).schema)) resp.message(2, new Writer().message(1, schema(obj(obj(r).schema))));
    responses.message(1, new Writer().string(1, code).message(2, new Writer().message(1, resp)));
  }
  w.message(9, responses).strings(10, o.schemes);
  extensions(w, 13, o);
  return w;
}

const OPERATIONS: readonly [string, number][] = [
  ['get', 2],
  ['put', 3],
  ['post', 4],
  ['delete', 5],
  ['patch', 8],
];

export function encodeSwaggerProtobuf(doc: JsonObject): Buffer {
  const info = obj(doc.info);
  const w = new Writer().string(1, doc.swagger).message(2, new Writer().string(1, info.title).string(2, info.version));
  const paths = new Writer();
  for (const [path, item] of Object.entries(obj(doc.paths))) {
    const pi = new Writer();
    const it = obj(item);
    for (const [verb, num] of OPERATIONS) if (isObject(it[verb])) pi.message(num, operation(it[verb] as JsonObject));
    if (Array.isArray(it.parameters)) for (const p of it.parameters) pi.message(9, parameter(obj(p)));
    paths.message(2, new Writer().string(1, path).message(2, pi));
  }
  w.message(8, paths);
  const defs = new Writer();
  for (const [name, s] of Object.entries(obj(doc.definitions)))
    defs.message(1, new Writer().string(1, name).message(2, schema(obj(s))));
  w.message(9, defs);
  if (Array.isArray(doc.security)) {
    for (const req of doc.security) {
      const r = new Writer();
      for (const [name, scopes] of Object.entries(obj(req))) {
        r.message(1, new Writer().string(1, name).message(2, new Writer().strings(1, scopes)));
      }
      w.message(12, r);
    }
  }
  const sec = new Writer();
  for (const [name, d] of Object.entries(obj(doc.securityDefinitions))) {
    const def = obj(d);
    const apiKey = new Writer().string(1, def.type).string(2, def.name).string(3, def.in).string(4, def.description);
    sec.message(1, new Writer().string(1, name).message(2, new Writer().message(2, apiKey)));
  }
  w.message(13, sec);
  return w.finish();
}
