// Reading raw API JSON without trusting its shape: objects arrive from watches and lists as `unknown`.

/** `obj[k1][k2]...`, or undefined when any step is missing or not an object. */
export function field(obj: unknown, ...path: readonly string[]): unknown {
  let cur: unknown = obj;
  for (const key of path) {
    if (typeof cur !== 'object' || cur === null || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

export const stringField = (obj: unknown, ...path: readonly string[]): string => {
  const v = field(obj, ...path);
  return typeof v === 'string' ? v : '';
};

export const arrayField = (obj: unknown, ...path: readonly string[]): readonly unknown[] => {
  const v = field(obj, ...path);
  return Array.isArray(v) ? v : [];
};

/** RFC 3339 string (raw JSON) or Date (client-node typed models) → epoch ms; `null` when absent or bad. */
export function timeValue(v: unknown): number | null {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.getTime();
  if (typeof v !== 'string' || v === '') return null;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? null : ms;
}
