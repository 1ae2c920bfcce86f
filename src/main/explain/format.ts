// Text for the objects an explanation names, in the notation operators know from kubectl: a taint as
// `key=value:Effect`, a toleration as `key=value:Effect op=Exists for 30s`, times as RFC 3339 and
// durations in the largest units that keep them readable.

import { parseReason } from '../../shared/reasons.js';
import type { DeviceSelector, DeviceTaint, DeviceToleration } from '../../shared/types.js';

/** RFC 3339 in UTC, milliseconds only when there are any. */
export const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.000Z$/, 'Z');

export const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

/** `key=value:Effect` (kubectl's notation; no `=` for an empty value). */
export const taintText = (t: Pick<DeviceTaint, 'key' | 'value' | 'effect'>): string =>
  `${t.key}${t.value === '' ? '' : `=${t.value}`}:${t.effect}`;

/** `key=value:Effect op=Exists for 30s` (kubectl describe's notation); empty key/effect = all. */
export function tolerationText(t: DeviceToleration): string {
  const key = t.key === '' ? '<any key>' : t.key;
  const value = t.value === '' ? '' : `=${t.value}`;
  const effect = t.effect === '' ? '<any effect>' : t.effect;
  const op = t.operator === '' ? 'Equal' : t.operator;
  const seconds = t.tolerationSeconds === null ? '' : ` for ${t.tolerationSeconds}s`;
  return `${key}${value}:${effect} op=${op}${seconds}`;
}

/** `driver/pool/device`. */
export const deviceText = (d: { readonly driver: string; readonly pool: string; readonly device: string }): string =>
  `${d.driver}/${d.pool}/${d.device}`;

/** `driver=…, pool=…, device=…`; `{}` selects everything, null nothing. */
export function selectorText(s: DeviceSelector | null): string {
  if (s === null) return '(none: selects nothing)';
  const parts = (['driver', 'pool', 'device'] as const).flatMap((k) => (s[k] === undefined ? [] : [`${k}=${s[k]}`]));
  return parts.length === 0 ? '{} (selects EVERY device in the cluster)' : parts.join(', ');
}

/** A reason id as a person reads it: `rule drain-node-3` or `slice node-3-gpu (gpu.example.com/node-3/gpu-1 taint #0)`. */
export function reasonText(id: string): string {
  const r = parseReason(id);
  if (r === null) return id;
  if (r.kind === 'rule') return `rule ${r.ruleName}`;
  return `slice ${r.sliceName} (${r.driver}/${r.pool}/${r.device} taint #${r.taintIndex})`;
}

/** `45 s`, `12 min 5 s`, `3 h 20 min`, `2 d 4 h`. */
export function durationText(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 === 0 ? `${m} min` : `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} min`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d} d` : `${d} d ${h % 24} h`;
}

/** `in 30 s`, or `due since 5 s` / `due now`. */
export function relativeText(at: number, now: number): string {
  if (at > now) return `in ${durationText(at - now)}`;
  return at === now || now - at < 500 ? 'due now' : `due since ${durationText(now - at)}`;
}

/** Whole seconds from `now` to `at` (negative: overdue). */
export const secondsFrom = (at: number, now: number): number => Math.round((at - now) / 1000);
