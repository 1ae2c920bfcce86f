// Which objects a list or watch selects: a namespace, label requirements and field requirements,
// checked against a stored entry's precomputed labels and selectable fields.

import type { StoredEntry } from './entry.js';
import { resourceDef, type SimResource } from './resources.js';
import {
  type FieldRequirement,
  type LabelRequirement,
  matchFields,
  matchLabels,
  parseFieldSelector,
  parseLabelSelector,
} from './selectors.js';

/** Which objects a list or watch selects. */
export interface EntryFilter {
  /** Restrict to one namespace; undefined = all. */
  readonly namespace?: string;
  readonly labels?: readonly LabelRequirement[];
  readonly fields?: readonly FieldRequirement[];
}

export interface CompiledFilter {
  readonly namespace: string | undefined;
  readonly labels: readonly LabelRequirement[];
  readonly fields: readonly FieldRequirement[];
}

/** Builds the filter of a list/watch request from its query parameters. */
export function compileFilter(
  resource: SimResource,
  namespace: string | undefined,
  labelSelector: string | undefined,
  fieldSelector: string | undefined,
): EntryFilter {
  const def = resourceDef(resource);
  const supported = ['metadata.name', ...(def.namespaced ? ['metadata.namespace'] : []), ...def.fieldKeys];
  return {
    namespace,
    labels: labelSelector ? parseLabelSelector(labelSelector) : [],
    fields: fieldSelector ? parseFieldSelector(fieldSelector, supported) : [],
  };
}

export const compile = (f: EntryFilter | undefined): CompiledFilter => ({
  namespace: f?.namespace,
  labels: f?.labels ?? [],
  fields: f?.fields ?? [],
});

export function matches(f: CompiledFilter, e: StoredEntry): boolean {
  if (f.namespace !== undefined && e.namespace !== f.namespace) return false;
  if (f.labels.length > 0 && !matchLabels(f.labels, e.labels)) return false;
  if (f.fields.length > 0 && !matchFields(f.fields, e.fields)) return false;
  return true;
}
