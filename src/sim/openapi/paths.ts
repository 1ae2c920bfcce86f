// The REST operations of the served resources, as kube-apiserver's OpenAPI lists them: one path per
// collection and per object (plus /status), each operation tagged with x-kubernetes-action and
// x-kubernetes-group-version-kind, with the query parameters the handlers take. kubectl reads them
// to learn whether PATCH takes ?fieldValidation (server-side validation) and strategic merge patches.

import type { JsonObject, JsonValue } from '../json.js';
import { apiVersionOf, type ResourceDef } from '../resources.js';
import type { Dialect } from './schemas.js';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
/** The body and response of pods/{name}/eviction. */
export const EVICTION_SCHEMA = 'io.k8s.api.policy.v1.Eviction';

interface Param {
  readonly name: string;
  readonly in: 'query' | 'path';
  readonly type: 'string' | 'integer' | 'boolean';
  readonly description: string;
}

const q = (name: string, type: Param['type'], description: string): Param => ({ name, in: 'query', type, description });

const P = {
  pretty: q('pretty', 'string', "If 'true', then the output is pretty printed."),
  dryRun: q(
    'dryRun',
    'string',
    'When present, indicates that modifications should not be persisted. Valid values are: - All: all dry run stages will be processed',
  ),
  fieldManager: q(
    'fieldManager',
    'string',
    'fieldManager is a name associated with the actor or entity that is making these changes.',
  ),
  fieldValidation: q(
    'fieldValidation',
    'string',
    'fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields. Valid values are: - Ignore - Warn - Strict',
  ),
  force: q(
    'force',
    'boolean',
    'Force is going to "force" Apply requests. It must be unset for non-apply patch requests.',
  ),
  gracePeriodSeconds: q(
    'gracePeriodSeconds',
    'integer',
    'The duration in seconds before the object should be deleted.',
  ),
  propagationPolicy: q('propagationPolicy', 'string', 'Whether and how garbage collection will be performed.'),
  orphanDependents: q('orphanDependents', 'boolean', 'Deprecated: please use the PropagationPolicy.'),
  allowWatchBookmarks: q(
    'allowWatchBookmarks',
    'boolean',
    'allowWatchBookmarks requests watch events with type "BOOKMARK".',
  ),
  continue: q('continue', 'string', 'The continue option should be set when retrieving more results from the server.'),
  fieldSelector: q('fieldSelector', 'string', 'A selector to restrict the list of returned objects by their fields.'),
  labelSelector: q('labelSelector', 'string', 'A selector to restrict the list of returned objects by their labels.'),
  limit: q('limit', 'integer', 'limit is a maximum number of responses to return for a list call.'),
  resourceVersion: q(
    'resourceVersion',
    'string',
    'resourceVersion sets a constraint on what resource versions a request may be served from.',
  ),
  resourceVersionMatch: q(
    'resourceVersionMatch',
    'string',
    'resourceVersionMatch determines how resourceVersion is applied to list calls.',
  ),
  sendInitialEvents: q(
    'sendInitialEvents',
    'boolean',
    '`sendInitialEvents=true` may be set together with `watch=true`.',
  ),
  timeoutSeconds: q('timeoutSeconds', 'integer', 'Timeout for the list/watch call.'),
  watch: q(
    'watch',
    'boolean',
    'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.',
  ),
};

const LIST_PARAMS = [
  P.allowWatchBookmarks,
  P.continue,
  P.fieldSelector,
  P.labelSelector,
  P.limit,
  P.resourceVersion,
  P.resourceVersionMatch,
  P.sendInitialEvents,
  P.timeoutSeconds,
  P.watch,
];
const WRITE_PARAMS = [P.dryRun, P.fieldManager, P.fieldValidation];

function param(p: Param, dialect: Dialect): JsonObject {
  const type: JsonObject = { type: p.type };
  if (p.in === 'query' && p.type === 'string') type.uniqueItems = true;
  const out: JsonObject = { description: p.description, in: p.in, name: p.name };
  if (p.in === 'path') out.required = true;
  return dialect === 'v2' ? { ...out, ...type } : { ...out, schema: type };
}

const pathParam = (name: string, description: string): Param => ({ name, in: 'path', type: 'string', description });

const ref = (name: string, dialect: Dialect): JsonObject => ({
  $ref: dialect === 'v2' ? `#/definitions/${name}` : `#/components/schemas/${name}`,
});

const PATCH_TYPES = [
  'application/apply-patch+yaml',
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
];
const PRODUCES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];

function responses(codes: readonly number[], schema: string, dialect: Dialect): JsonObject {
  const out: JsonObject = {};
  const text: Record<number, string> = { 200: 'OK', 201: 'Created', 202: 'Accepted' };
  for (const code of codes) {
    out[String(code)] =
      dialect === 'v2'
        ? { description: text[code]!, schema: ref(schema, dialect) }
        : {
            description: text[code]!,
            content: Object.fromEntries(PRODUCES.map((t) => [t, { schema: ref(schema, dialect) }])),
          };
  }
  out['401'] = { description: 'Unauthorized' };
  return out;
}

function body(
  schema: string,
  contentTypes: readonly string[],
  dialect: Dialect,
): { params: JsonObject[]; extra: JsonObject } {
  if (dialect === 'v2') {
    return {
      params: [{ in: 'body', name: 'body', required: true, schema: ref(schema, dialect) }],
      extra: { consumes: [...contentTypes] },
    };
  }
  return {
    params: [],
    extra: {
      requestBody: {
        content: Object.fromEntries(contentTypes.map((t) => [t, { schema: ref(schema, dialect) }])),
        required: true,
      },
    },
  };
}

/** Go-style identifier of a group version: CoreV1, ResourceV1beta2, RbacAuthorizationV1. */
function groupVersionId(group: string, version: string): string {
  const base = group === '' ? 'core' : group.replace(/\.k8s\.io$/, '');
  const words = base.split('.').map((w) => w[0]!.toUpperCase() + w.slice(1));
  return `${words.join('')}${version[0]!.toUpperCase()}${version.slice(1)}`;
}

/** The paths of one resource at one version, with their operations. */
export function resourcePaths(
  def: ResourceDef,
  version: string,
  kindSchema: string,
  listSchemaName: string,
  verbs: readonly string[],
  dialect: Dialect,
): Record<string, JsonObject> {
  const prefix = def.group === '' ? '/api/v1' : `/apis/${apiVersionOf(def.group, version)}`;
  const gvk = { group: def.group, kind: def.kind, version };
  const gvId = groupVersionId(def.group, version);
  const tag = `${def.group === '' ? 'core' : def.group.replace(/\.k8s\.io$/, '').replace(/\./g, '_')}_${version}`;
  const scope = def.namespaced ? 'Namespaced' : '';
  const can = (verb: string) => verbs.includes(verb);
  const op = (
    id: string,
    action: string,
    description: string,
    params: readonly Param[],
    extra: JsonObject,
  ): JsonObject => ({
    description,
    operationId: id,
    ...(params.length > 0 ? { parameters: params.map((p) => param(p, dialect)) } : {}),
    ...extra,
    tags: [tag],
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvk,
  });
  const withBody = (o: JsonObject, b: { params: JsonObject[]; extra: JsonObject }): JsonObject => {
    const params = Array.isArray(o.parameters) ? (o.parameters as JsonValue[]) : [];
    return { ...o, ...b.extra, parameters: [...b.params, ...params] };
  };
  const v2Produces = (o: JsonObject): JsonObject =>
    dialect === 'v2' ? { ...o, produces: PRODUCES, schemes: ['https'] } : o;
  const paths: Record<string, JsonObject> = {};
  const nsParam = pathParam('namespace', 'object name and auth scope, such as for teams and projects');
  const nameParam = pathParam('name', `name of the ${def.kind}`);
  const collection = def.namespaced ? `${prefix}/namespaces/{namespace}/${def.plural}` : `${prefix}/${def.plural}`;
  const collectionPath: JsonObject = {
    parameters: [...(def.namespaced ? [nsParam] : []), P.pretty].map((p) => param(p, dialect)),
  };
  if (can('list')) {
    collectionPath.get = v2Produces(
      op(`list${gvId}${scope}${def.kind}`, 'list', `list or watch objects of kind ${def.kind}`, LIST_PARAMS, {
        responses: responses([200], listSchemaName, dialect),
      }),
    );
  }
  if (can('create')) {
    collectionPath.post = v2Produces(
      withBody(
        op(`create${gvId}${scope}${def.kind}`, 'post', `create a ${def.kind}`, WRITE_PARAMS, {
          responses: responses([200, 201, 202], kindSchema, dialect),
        }),
        body(kindSchema, ['*/*'], dialect),
      ),
    );
  }
  paths[collection] = collectionPath;
  if (def.namespaced && can('list')) {
    paths[`${prefix}/${def.plural}`] = {
      parameters: [P.pretty].map((p) => param(p, dialect)),
      get: v2Produces(
        op(`list${gvId}${def.kind}ForAllNamespaces`, 'list', `list or watch objects of kind ${def.kind}`, LIST_PARAMS, {
          responses: responses([200], listSchemaName, dialect),
        }),
      ),
    };
  }
  const item = (suffix: string, subresource: string): JsonObject => {
    const path: JsonObject = {
      parameters: [nameParam, ...(def.namespaced ? [nsParam] : []), P.pretty].map((p) => param(p, dialect)),
    };
    const what = subresource === '' ? `the specified ${def.kind}` : `${subresource} of the specified ${def.kind}`;
    path.get = v2Produces(
      op(`read${gvId}${scope}${def.kind}${suffix}`, 'get', `read ${what}`, [], {
        responses: responses([200], kindSchema, dialect),
      }),
    );
    if (can('update')) {
      path.put = v2Produces(
        withBody(
          op(`replace${gvId}${scope}${def.kind}${suffix}`, 'put', `replace ${what}`, WRITE_PARAMS, {
            responses: responses([200, 201], kindSchema, dialect),
          }),
          body(kindSchema, ['*/*'], dialect),
        ),
      );
    }
    if (can('patch')) {
      path.patch = v2Produces(
        withBody(
          op(
            `patch${gvId}${scope}${def.kind}${suffix}`,
            'patch',
            `partially update ${what}`,
            [...WRITE_PARAMS, P.force],
            {
              responses: responses([200, 201], kindSchema, dialect),
            },
          ),
          body(`${META}.Patch`, PATCH_TYPES, dialect),
        ),
      );
    }
    if (subresource === '' && can('delete')) {
      path.delete = v2Produces(
        withBody(
          op(
            `delete${gvId}${scope}${def.kind}`,
            'delete',
            `delete a ${def.kind}`,
            [P.dryRun, P.gracePeriodSeconds, P.orphanDependents, P.propagationPolicy],
            { responses: responses([200, 202], def.returnsDeleted === true ? kindSchema : `${META}.Status`, dialect) },
          ),
          body(`${META}.DeleteOptions`, ['*/*'], dialect),
        ),
      );
    }
    return path;
  };
  if (can('get')) paths[`${collection}/{name}`] = item('', '');
  if (def.hasStatus && can('get')) paths[`${collection}/{name}/status`] = item('Status', 'status');
  if (def.id === 'pods' && def.group === '') {
    // pods/eviction: a NamedCreater subresource whose kind is policy/v1 Eviction (EvictionREST).
    const eviction = EVICTION_SCHEMA;
    paths[`${collection}/{name}/eviction`] = {
      parameters: [pathParam('name', 'name of the Eviction'), nsParam, P.pretty].map((p) => param(p, dialect)),
      post: v2Produces(
        withBody(
          {
            ...op(`create${gvId}NamespacedPodEviction`, 'post', 'create eviction of a Pod', WRITE_PARAMS, {
              responses: responses([200, 201, 202], eviction, dialect),
            }),
            'x-kubernetes-group-version-kind': { group: 'policy', kind: 'Eviction', version: 'v1' },
          },
          body(eviction, ['*/*'], dialect),
        ),
      ),
    };
  }
  return paths;
}
