// Content negotiation as kube-apiserver's handlers/negotiation package does it: the first Accept
// clause (q-ordered, goautoneg) the endpoint can serve wins; `as`/`g`/`v` parameters ask for a
// server-side transformation (Table, PartialObjectMetadata[List]) in meta.k8s.io/v1 or v1beta1.
// The sim encodes JSON and YAML; it decodes JSON, YAML and (for the kinds in its schema) protobuf
// request bodies. Protobuf responses are not produced: a protobuf-only Accept is answered 406.

import { SimApiError } from './status.js';

/** Serializers of a built-in resource, in kube-apiserver's order (MediaTypesForSerializer). */
export const SERVED_MEDIA_TYPES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];

export type Transform = 'Table' | 'PartialObjectMetadata' | 'PartialObjectMetadataList';

export interface OutputMediaType {
  readonly encoding: 'json' | 'yaml';
  /** Server-side conversion requested with `as=`, and the meta.k8s.io version to answer in. */
  readonly transform: { readonly kind: Transform; readonly version: 'v1' | 'v1beta1' } | undefined;
}

export interface Clause {
  readonly type: string;
  readonly subType: string;
  readonly q: number;
  readonly params: Readonly<Record<string, string>>;
  readonly index: number;
}

/** goautoneg.ParseAccept: clauses ordered by q, then by specificity, otherwise as sent. */
export function parseAccept(header: string): Clause[] {
  const clauses: Clause[] = [];
  header.split(',').forEach((part, index) => {
    const [range, ...paramParts] = part.split(';').map((s) => s.trim());
    if (range === undefined || range === '') return;
    const [type = '', subType = '*'] = range.split('/');
    const params: Record<string, string> = {};
    let q = 1;
    for (const p of paramParts) {
      const eq = p.indexOf('=');
      if (eq < 0) continue;
      const k = p.slice(0, eq).trim();
      const v = p.slice(eq + 1).trim();
      if (k === 'q') q = Number(v);
      else params[k] = v;
    }
    clauses.push({ type, subType, q, params, index });
  });
  const specificity = (c: Clause) => (c.type === '*' ? 0 : c.subType === '*' ? 1 : 2);
  return clauses.sort((a, b) => b.q - a.q || specificity(b) - specificity(a) || a.index - b.index);
}

const TRANSFORMS = new Set<string>(['Table', 'PartialObjectMetadata', 'PartialObjectMetadataList']);

/**
 * NegotiateOutputMediaType. `transforms` says whether the endpoint accepts `as=` conversions
 * (resource endpoints do; discovery and OpenAPI do not).
 */
export function negotiateOutput(accept: string | undefined, transforms: boolean): OutputMediaType {
  if (accept === undefined || accept.trim() === '') return { encoding: 'json', transform: undefined };
  for (const c of parseAccept(accept)) {
    let encoding: OutputMediaType['encoding'] | undefined;
    if (c.type === '*' && c.subType === '*') encoding = 'json';
    else if (c.type === 'application' && (c.subType === 'json' || c.subType === '*')) encoding = 'json';
    else if (c.type === 'application' && c.subType === 'yaml') encoding = 'yaml';
    if (encoding === undefined) continue;
    const { as, g, v } = c.params;
    if (as === undefined && g === undefined && v === undefined) return { encoding, transform: undefined };
    // acceptMediaTypeOptions + AllowsMediaTypeTransform: only meta.k8s.io conversions, only where allowed.
    if (!transforms || as === undefined || !TRANSFORMS.has(as) || g !== 'meta.k8s.io') continue;
    if (v !== 'v1' && v !== 'v1beta1') continue;
    return { encoding, transform: { kind: as as Transform, version: v } };
  }
  throw new SimApiError(
    406,
    'NotAcceptable',
    `only the following media types are accepted: ${SERVED_MEDIA_TYPES.join(', ')}`,
  );
}

export type InputEncoding = 'json' | 'yaml' | 'protobuf';

/** NegotiateInputSerializer: the request body's encoding, or 415 naming the accepted types. */
export function negotiateInput(contentType: string | undefined): InputEncoding {
  const mediaType = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  switch (mediaType) {
    case '':
    case 'application/json':
      return 'json';
    case 'application/yaml':
      return 'yaml';
    case 'application/vnd.kubernetes.protobuf':
      return 'protobuf';
    default:
      throw new SimApiError(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: ${SERVED_MEDIA_TYPES.join(', ')}`,
      );
  }
}
