// The OpenAPI documents kube-apiserver serves: /openapi/v2 (one Swagger 2.0 document) and
// /openapi/v3 (a discovery document naming one OpenAPI 3.0 document per group version, each behind a
// content hash, kube-openapi handler3). Built from the schema registry for the versions this server
// instance serves, once, and kept as bytes.

import { createHash } from 'node:crypto';
import type { JsonObject } from '../json.js';
import { apiVersionOf, type ResourceDef, type ServedVersions, servedGroupVersions } from '../resources.js';
import { kindSchema, structDef } from '../schema/index.js';
import { EVICTION_SCHEMA, resourcePaths } from './paths.js';
import { encodeSwaggerProtobuf } from './protoV2.js';
import { type Dialect, definitionSchema, listSchema, reachable } from './schemas.js';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const INFO = { title: 'Kubernetes', version: 'v1.37.0' };

export interface Document {
  readonly body: Buffer;
  /** kube-openapi's ETag: the upper-case hex SHA-512 of the body. */
  readonly etag: string;
}

const toDocument = (doc: JsonObject): Document => {
  const body = Buffer.from(JSON.stringify(doc));
  return { body, etag: createHash('sha512').update(body).digest('hex').toUpperCase() };
};

/** "api/v1", "apis/resource.k8s.io/v1": the key of a group version in /openapi/v3. */
export const gvPath = (group: string, version: string): string =>
  group === '' ? `api/${version}` : `apis/${apiVersionOf(group, version)}`;

export class OpenApiDocuments {
  private v2: Document | undefined;
  private v2Protobuf: Buffer | undefined;
  private readonly v3 = new Map<string, Document>();

  constructor(
    private readonly served: ServedVersions,
    /** Verbs a resource supports (as in discovery). */
    private readonly verbsOf: (def: ResourceDef) => readonly string[],
  ) {}

  /** GET /openapi/v3 */
  discovery(): JsonObject {
    const paths: JsonObject = {};
    for (const [group, versions] of servedGroupVersions(this.served)) {
      for (const version of versions.keys()) {
        const key = gvPath(group, version);
        paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${this.groupVersion(key)!.etag}` };
      }
    }
    return { paths };
  }

  /** GET /openapi/v3/{api/v1 | apis/group/version}; undefined when not served. */
  groupVersion(key: string): Document | undefined {
    let doc = this.v3.get(key);
    if (doc !== undefined) return doc;
    for (const [group, versions] of servedGroupVersions(this.served)) {
      for (const [version, defs] of versions) {
        if (gvPath(group, version) !== key) continue;
        const { paths, schemas } = this.build(defs, version, 'v3');
        doc = toDocument({
          openapi: '3.0.0',
          info: INFO,
          paths,
          components: {
            schemas,
            securitySchemes: {
              BearerToken: {
                description: 'Bearer Token authentication',
                in: 'header',
                name: 'authorization',
                type: 'apiKey',
              },
            },
          },
        });
        this.v3.set(key, doc);
        return doc;
      }
    }
    return undefined;
  }

  /** GET /openapi/v2 (JSON). */
  swagger(): Document {
    if (this.v2 !== undefined) return this.v2;
    const paths: JsonObject = {};
    const definitions: JsonObject = {};
    for (const versions of servedGroupVersions(this.served).values()) {
      for (const [version, defs] of versions) {
        const built = this.build(defs, version, 'v2');
        Object.assign(paths, built.paths);
        Object.assign(definitions, built.schemas);
      }
    }
    this.v2 = toDocument({
      swagger: '2.0',
      info: INFO,
      paths: sortKeys(paths),
      definitions: sortKeys(definitions),
      securityDefinitions: {
        BearerToken: {
          description: 'Bearer Token authentication',
          in: 'header',
          name: 'authorization',
          type: 'apiKey',
        },
      },
      security: [{ BearerToken: [] }],
    });
    return this.v2;
  }

  /** GET /openapi/v2 as gnostic protobuf (what client-go's discovery client decodes). */
  swaggerProtobuf(): Buffer {
    this.v2Protobuf ??= encodeSwaggerProtobuf(JSON.parse(this.swagger().body.toString('utf8')) as JsonObject);
    return this.v2Protobuf;
  }

  private build(
    defs: readonly ResourceDef[],
    version: string,
    dialect: Dialect,
  ): { paths: JsonObject; schemas: JsonObject } {
    const paths: JsonObject = {};
    const schemas: JsonObject = {};
    const roots = [`${META}.Status`, `${META}.DeleteOptions`, `${META}.Patch`, `${META}.WatchEvent`];
    const lists: [string, JsonObject][] = [];
    for (const def of defs) {
      const name = kindSchema(def, version);
      if (name === undefined) continue;
      roots.push(name);
      if (def.id === 'pods') {
        roots.push(EVICTION_SCHEMA);
        const eviction = structDef(EVICTION_SCHEMA);
        if (eviction.gvks.length === 0) eviction.gvks.push({ group: 'policy', version: 'v1', kind: 'Eviction' });
      }
      const listName = `${name}List`;
      const verbs = this.verbsOf(def);
      if (verbs.includes('list')) {
        const gvk = [{ group: def.group, kind: `${def.kind}List`, version }];
        lists.push([listName, listSchema(name, def.kind, gvk, dialect)]);
      }
      Object.assign(paths, resourcePaths(def, version, name, listName, verbs, dialect));
    }
    for (const name of reachable(roots)) schemas[name] = definitionSchema(name, dialect);
    for (const [name, schema] of lists) schemas[name] = schema;
    return { paths: sortKeys(paths), schemas: sortKeys(schemas) };
  }
}

function sortKeys(o: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k]!;
  return out;
}
