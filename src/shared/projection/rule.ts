// DeviceTaintRules → RuleRecord: the device selector (absent vs empty kept apart), the taint, and the
// status conditions that pace status writes. Same shape in v1, v1beta2 and v1alpha3 for what we read.

import {
  asObject,
  elementPaths,
  field,
  type JsonObject,
  NO_FIELDS,
  optArray,
  optInteger,
  optObject,
  optString,
  optTimestamp,
  reqString,
  ShapeError,
  strOrEmpty,
} from '../jsonShape.js';
import type { DeviceSelector, RuleCondition, RuleRecord, RuleStartLimit } from '../types.js';
import { metadataOf, type Projector, projector, readList, readMeta, readTaint } from './projector.js';

function readSelector(spec: JsonObject): DeviceSelector | null {
  const s = optObject(spec, 'deviceSelector', '$.spec');
  if (s === null) return null;
  // 1.33–1.34 (v1alpha3) selectors could also name a DeviceClass or CEL expressions. Neither can be
  // evaluated against an allocation result; dropping them silently would widen the rule to every
  // device of the driver, so such a rule is rejected as malformed instead (under-evict, never over-evict).
  if (optString(s, 'deviceClassName', '$.spec.deviceSelector'))
    throw new ShapeError('$.spec.deviceSelector.deviceClassName', 'DeviceClass selectors are not supported');
  if (optArray(s, 'selectors', '$.spec.deviceSelector').length > 0)
    throw new ShapeError('$.spec.deviceSelector.selectors', 'CEL selectors are not supported');
  const selector: { driver?: string; pool?: string; device?: string } = {};
  const driver = optString(s, 'driver', '$.spec.deviceSelector');
  const pool = optString(s, 'pool', '$.spec.deviceSelector');
  const device = optString(s, 'device', '$.spec.deviceSelector');
  // An empty string is "unset" in the API (omitempty), so it must not become a match-nothing constraint.
  if (driver) selector.driver = driver;
  if (pool) selector.pool = pool;
  if (device) selector.device = device;
  return selector;
}

const conditionPaths = elementPaths('$.status.conditions');

function readCondition(v: unknown, path: string): RuleCondition {
  const c = asObject(v, path);
  return {
    type: reqString(c, 'type', path),
    status: strOrEmpty(c, 'status', path),
    reason: strOrEmpty(c, 'reason', path),
    message: strOrEmpty(c, 'message', path),
    observedGeneration: optInteger(c, 'observedGeneration', path) ?? 0,
    lastTransitionTime: optTimestamp(c, 'lastTransitionTime', path) ?? 0,
  };
}

/** DeviceTaintRule in v1, v1beta2 or v1alpha3 (same shape for the fields we read). */
export const projectRule: Projector<RuleRecord> = projector((raw) => {
  const { meta, obj } = readMeta(raw, false);
  const m = metadataOf(obj);
  const spec = asObject(field(obj, 'spec'), '$.spec');
  const status = optObject(obj, 'status', '$') ?? NO_FIELDS;
  return {
    name: meta.name,
    uid: meta.uid,
    resourceVersion: meta.resourceVersion,
    generation: optInteger(m, 'generation', '$.metadata') ?? 0,
    selector: readSelector(spec),
    taint: readTaint(field(spec, 'taint'), '$.spec.taint'),
    conditions: readList(optArray(status, 'conditions', '$.status'), conditionPaths, readCondition),
    startLimit: readRateAnnotation(m),
  };
}, false);

/** The annotation an operator puts on a DeviceTaintRule to bound how fast its evictions start. */
export const MAX_EVICTIONS_PER_MINUTE_ANNOTATION = 'device-taint-evictor.io/max-evictions-per-minute';

/**
 * The annotation's limit. An operator who wrote one meant a brake: a value that is not a positive
 * number (a typo, "ten") is not dropped but read as the most cautious limit, 1 per minute, and the
 * engine logs it.
 */
function readRateAnnotation(m: JsonObject): RuleStartLimit | null {
  const annotations = field(m, 'annotations');
  if (typeof annotations !== 'object' || annotations === null || Array.isArray(annotations)) return null;
  const raw = (annotations as Record<string, unknown>)[MAX_EVICTIONS_PER_MINUTE_ANNOTATION];
  if (raw === undefined) return null;
  const text = typeof raw === 'string' ? raw.trim() : '';
  const n = text === '' ? Number.NaN : Number(text);
  return Number.isFinite(n) && n > 0
    ? { perMinute: n, invalid: null }
    : { perMinute: INVALID_RATE_FALLBACK, invalid: typeof raw === 'string' ? raw : JSON.stringify(raw) };
}

/** What an unreadable rate annotation means: see readRateAnnotation. */
export const INVALID_RATE_FALLBACK = 1;
