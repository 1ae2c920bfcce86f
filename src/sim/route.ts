// Maps a request path to what it addresses, following kube-apiserver's URL layout:
// /api/v1/[namespaces/{ns}/]{resource}[/{name}[/{subresource}]] and the same under /apis/{group}/{version}.

import { lookupResource, type ResourceDef, type ServedVersions } from './resources.js';

export type Route =
  | { readonly kind: 'version' }
  /** /healthz, /livez, /readyz, optionally one named check (/healthz/ping). */
  | { readonly kind: 'health'; readonly endpoint: 'healthz' | 'livez' | 'readyz'; readonly check: string | undefined }
  | { readonly kind: 'openapiV2' }
  | { readonly kind: 'openapiV3Discovery' }
  /** /openapi/v3/api/v1, /openapi/v3/apis/{group}/{version}: `path` is what follows /openapi/v3/. */
  | { readonly kind: 'openapiV3'; readonly path: string }
  | { readonly kind: 'root' }
  | { readonly kind: 'coreVersions' }
  | { readonly kind: 'groupList' }
  | { readonly kind: 'group'; readonly group: string }
  | { readonly kind: 'resourceList'; readonly group: string; readonly version: string }
  | {
      readonly kind: 'resource';
      readonly def: ResourceDef;
      readonly version: string;
      /** undefined = all namespaces (or cluster-scoped). */
      readonly namespace: string | undefined;
      readonly name: string | undefined;
      readonly subresource: string;
    }
  | { readonly kind: 'notFound' };

export function parseRoute(pathname: string, served: ServedVersions): Route {
  const seg = pathname
    .split('/')
    .filter((s) => s !== '')
    .map((s) => decodeURIComponent(s));
  if (seg.length === 0) return { kind: 'root' };
  if (seg[0] === 'version' && seg.length === 1) return { kind: 'version' };
  if ((seg[0] === 'healthz' || seg[0] === 'livez' || seg[0] === 'readyz') && seg.length <= 2) {
    return { kind: 'health', endpoint: seg[0], check: seg.slice(1).join('/') || undefined };
  }
  if (seg[0] === 'openapi') {
    if (seg[1] === 'v2' && seg.length === 2) return { kind: 'openapiV2' };
    if (seg[1] === 'v3' && seg.length === 2) return { kind: 'openapiV3Discovery' };
    if (seg[1] === 'v3') return { kind: 'openapiV3', path: seg.slice(2).join('/') };
    return { kind: 'notFound' };
  }
  let group: string;
  let version: string;
  let rest: string[];
  if (seg[0] === 'api') {
    if (seg.length === 1) return { kind: 'coreVersions' };
    if (seg[1] !== 'v1') return { kind: 'notFound' };
    if (seg.length === 2) return { kind: 'resourceList', group: '', version: 'v1' };
    group = '';
    version = 'v1';
    rest = seg.slice(2);
  } else if (seg[0] === 'apis') {
    if (seg.length === 1) return { kind: 'groupList' };
    if (seg.length === 2) return { kind: 'group', group: seg[1]! };
    if (seg.length === 3) return { kind: 'resourceList', group: seg[1]!, version: seg[2]! };
    group = seg[1]!;
    version = seg[2]!;
    rest = seg.slice(3);
  } else return { kind: 'notFound' };

  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const nsDef = lookupResource(group, version, rest[2]!, served);
    if (nsDef?.namespaced) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
  }
  if (rest.length > 3) return { kind: 'notFound' };
  const def = lookupResource(group, version, rest[0]!, served);
  if (def === undefined) return { kind: 'notFound' };
  const subresource = rest[2] ?? '';
  // status where the kind has one; pods/eviction (pkg/registry/core/pod/storage: EvictionREST).
  const known = (subresource === 'status' && def.hasStatus) || (subresource === 'eviction' && def.id === 'pods');
  if (subresource !== '' && !known) return { kind: 'notFound' };
  return { kind: 'resource', def, version, namespace, name: rest[1], subresource };
}
