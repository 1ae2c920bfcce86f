// Looks up the schema of a served kind. Importing this module registers every definition.

import './defs/meta.js';
import './defs/core.js';
import './defs/resource.js';
import './defs/apis.js';
import { apiVersionOf, type ResourceDef } from '../resources.js';
import { hasStructDef, structDef } from './model.js';

export * from './model.js';

/** Go package of an API group in OpenAPI names: core, resource, apps, rbac, … */
const packageOfGroup = (group: string): string => (group === '' ? 'core' : group.split('.')[0]!);

/** OpenAPI definition name of a kind at a version, e.g. io.k8s.api.resource.v1beta1.ResourceSlice. */
export const kindSchemaName = (group: string, version: string, kind: string): string =>
  `io.k8s.api.${packageOfGroup(group)}.${version}.${kind}`;

/** The definition of `def` at `version`, with its group-version-kind recorded (once). */
export function kindSchema(def: ResourceDef, version: string): string | undefined {
  const name = kindSchemaName(def.group, version, def.kind);
  if (!hasStructDef(name)) return undefined;
  const s = structDef(name);
  if (!s.gvks.some((g) => g.version === version && g.group === def.group)) {
    s.gvks.push({ group: def.group, version, kind: def.kind });
  }
  return name;
}

/** `apps/v1, Kind=Deployment` (schema.GroupVersionKind.String). */
export const gvkString = (group: string, version: string, kind: string): string =>
  `${apiVersionOf(group, version) === version ? `/${version}` : apiVersionOf(group, version)}, Kind=${kind}`;
