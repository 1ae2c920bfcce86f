// The vocabulary of table cells: row types, lenient readers of plain JSON, and the age
// formatting every printer uses (translateTimestampSince → duration.HumanDuration).

import { isObject, type JsonObject, type JsonValue } from '../json.js';

export type Cell = string | number | boolean;

export interface RowConditions {
  readonly type: string;
  readonly status: string;
  readonly reason: string;
  readonly message: string;
}

export interface Row {
  readonly cells: Cell[];
  readonly conditions?: readonly RowConditions[];
}

export type Printer = (obj: JsonObject, now: number) => Row;

export const str = (v: JsonValue | undefined): string => (typeof v === 'string' ? v : '');
export const num = (v: JsonValue | undefined): number => (typeof v === 'number' ? v : 0);
export const arr = (v: JsonValue | undefined): JsonValue[] => (Array.isArray(v) ? v : []);
export const objs = (v: JsonValue | undefined): JsonObject[] => arr(v).filter(isObject);
export const meta = (o: JsonObject): JsonObject => (isObject(o.metadata) ? o.metadata : {});

/** duration.HumanDuration (apimachinery/pkg/util/duration): ~2-3 significant figures. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8)
    return hours % 24 === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  const years = Math.trunc(hours / 24 / 365);
  if (hours < 24 * 365 * 8) {
    const days = Math.trunc(hours / 24) % 365;
    return days === 0 ? `${years}y` : `${years}y${days}d`;
  }
  return `${years}y`;
}

/** translateTimestampSince: "<unknown>" for an unset time. */
export const since = (time: JsonValue | undefined, now: number): string => {
  const t = typeof time === 'string' ? Date.parse(time) : Number.NaN;
  return Number.isNaN(t) ? '<unknown>' : humanDuration(now - t);
};

export const age = (o: JsonObject, now: number) => since(meta(o).creationTimestamp, now);
