// policy/v1 PodDisruptionBudget rules shared by the apiserver side (validation, the eviction
// subresource) and the simulated disruption controller: IntOrString scaling, pod readiness, the
// DisruptionAllowed condition and the JSON shape of PodDisruptionBudgetStatus.

import { getPath, isObject, type JsonObject, type JsonValue } from './json.js';
import { validateLabelSelector } from './labelSelector.js';
import type { FieldError } from './status.js';

export const PDB = 'poddisruptionbudgets.policy';

/** policy.DisruptionAllowedCondition and its reasons (k8s.io/api/policy/v1/types.go). */
export const DISRUPTION_ALLOWED = 'DisruptionAllowed';
export const SUFFICIENT_PODS = 'SufficientPods';
export const INSUFFICIENT_PODS = 'InsufficientPods';
export const SYNC_FAILED = 'SyncFailed';

/** policyv1.DisruptionBudgetCause: the cause type of an eviction refused for a budget. */
export const DISRUPTION_BUDGET_CAUSE = 'DisruptionBudget';

/** disruption.DeletionTimeout (pkg/controller/disruption/disruption.go). */
export const DELETION_TIMEOUT_MS = 2 * 60 * 1000;

/** eviction.MaxDisruptedPodSize (pkg/registry/core/pod/storage/eviction.go). */
export const MAX_DISRUPTED_POD_SIZE = 2000;

// ---- IntOrString (staging/src/k8s.io/apimachinery/pkg/util/intstr) ----

const PERCENT_RE = /^[0-9]+%$/;

// intstr.GetScaledValueFromIntOrPercent: an int as is; "N%" of total, rounded up (roundUp) or down;
// any other string is an error (getIntOrPercentValueSafely).
export function scaledValue(v: JsonValue | undefined, total: number, roundUp: boolean): number | Error {
  if (typeof v === 'number') return Math.trunc(v);
  if (typeof v !== 'string')
    return new Error('invalid value for IntOrString: invalid type: neither int nor percentage');
  if (!v.endsWith('%')) return new Error('invalid value for IntOrString: invalid type: string is not a percentage');
  const digits = v.slice(0, -1);
  if (!/^[+-]?[0-9]+$/.test(digits)) {
    return new Error(
      `invalid value for IntOrString: invalid value ${JSON.stringify(v)}: strconv.Atoi: parsing ${JSON.stringify(digits)}: invalid syntax`,
    );
  }
  const scaled = (Number(digits) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

// ---- pods ----

/** The condition of `type` in a pod's or PDB's status.conditions. */
export function findCondition(obj: JsonObject, type: string): JsonObject | undefined {
  const conds = getPath(obj, 'status', 'conditions');
  if (!Array.isArray(conds)) return undefined;
  return conds.find((c): c is JsonObject => isObject(c) && c.type === type);
}

/** podutil.IsPodReady (pkg/api/pod): the Ready condition is True. */
export const isPodReady = (pod: JsonObject): boolean => findCondition(pod, 'Ready')?.status === 'True';

/** metav1.GetControllerOf: the first ownerReference with controller: true. */
export function controllerOf(obj: JsonObject): JsonObject | undefined {
  const refs = getPath(obj, 'metadata', 'ownerReferences');
  if (!Array.isArray(refs)) return undefined;
  return refs.find((r): r is JsonObject => isObject(r) && r.controller === true);
}

// ---- status ----

export interface PdbStatus {
  observedGeneration: number;
  disruptedPods: Record<string, string>;
  disruptionsAllowed: number;
  currentHealthy: number;
  desiredHealthy: number;
  expectedPods: number;
  conditions: JsonObject[];
}

const int = (v: JsonValue | undefined): number => (typeof v === 'number' ? v : 0);

/** The stored status in typed form (absent fields are Go's zero values). */
export function readStatus(pdb: JsonObject): PdbStatus {
  const s = isObject(pdb.status) ? pdb.status : {};
  const disrupted: Record<string, string> = {};
  if (isObject(s.disruptedPods)) {
    for (const [k, v] of Object.entries(s.disruptedPods)) if (typeof v === 'string') disrupted[k] = v;
  }
  return {
    observedGeneration: int(s.observedGeneration),
    disruptedPods: disrupted,
    disruptionsAllowed: int(s.disruptionsAllowed),
    currentHealthy: int(s.currentHealthy),
    desiredHealthy: int(s.desiredHealthy),
    expectedPods: int(s.expectedPods),
    conditions: Array.isArray(s.conditions) ? s.conditions.filter(isObject).map((c) => ({ ...c })) : [],
  };
}

/**
 * PodDisruptionBudgetStatus as encoding/json writes it: observedGeneration, disruptedPods and
 * conditions are omitempty, the four counters are always present.
 */
export function statusJson(s: PdbStatus): JsonObject {
  const out: JsonObject = {};
  if (s.observedGeneration !== 0) out.observedGeneration = s.observedGeneration;
  if (Object.keys(s.disruptedPods).length > 0) out.disruptedPods = { ...s.disruptedPods };
  out.disruptionsAllowed = s.disruptionsAllowed;
  out.currentHealthy = s.currentHealthy;
  out.desiredHealthy = s.desiredHealthy;
  out.expectedPods = s.expectedPods;
  if (s.conditions.length > 0) out.conditions = s.conditions;
  return out;
}

/** What PrepareForCreate leaves in status (policy.PodDisruptionBudgetStatus{}), as JSON. */
export const EMPTY_STATUS: JsonObject = {
  disruptionsAllowed: 0,
  currentHealthy: 0,
  desiredHealthy: 0,
  expectedPods: 0,
};

/**
 * apimeta.SetStatusCondition (apimachinery/pkg/api/meta/conditions.go): a new condition gets
 * lastTransitionTime now; an existing one changes it only when its status changes; reason, message
 * and observedGeneration are always taken. metav1.Condition fields in their JSON order.
 */
export function setStatusCondition(
  conditions: JsonObject[],
  c: { type: string; status: string; reason: string; message: string; observedGeneration: number },
  now: string,
): void {
  const existing = conditions.find((x) => x.type === c.type);
  const build = (lastTransitionTime: JsonValue): JsonObject => {
    const out: JsonObject = { type: c.type, status: c.status };
    if (c.observedGeneration !== 0) out.observedGeneration = c.observedGeneration;
    out.lastTransitionTime = lastTransitionTime;
    out.reason = c.reason;
    out.message = c.message;
    return out;
  };
  if (existing === undefined) {
    conditions.push(build(now));
    return;
  }
  const ltt = existing.status !== c.status ? now : (existing.lastTransitionTime ?? null);
  const next = build(ltt);
  for (const k of Object.keys(existing)) delete existing[k];
  Object.assign(existing, next);
}

// pdbhelper.UpdateDisruptionAllowedCondition (component-helpers/apps/poddisruptionbudget): True
// SufficientPods while disruptions are allowed, else False InsufficientPods.
export function updateDisruptionAllowedCondition(s: PdbStatus, now: string): void {
  const allowed = s.disruptionsAllowed > 0;
  setStatusCondition(
    s.conditions,
    {
      type: DISRUPTION_ALLOWED,
      status: allowed ? 'True' : 'False',
      reason: allowed ? SUFFICIENT_PODS : INSUFFICIENT_PODS,
      message: '',
      observedGeneration: s.observedGeneration,
    },
    now,
  );
}

// pdbhelper.ConditionsAreUpToDate: the DisruptionAllowed condition matches disruptionsAllowed and
// the status has observed the current generation.
export function conditionsAreUpToDate(s: PdbStatus, generation: number): boolean {
  const cond = s.conditions.find((c) => c.type === DISRUPTION_ALLOWED);
  if (cond === undefined || s.observedGeneration !== generation) return false;
  if (s.disruptionsAllowed > 0) return cond.status === 'True' && cond.reason === SUFFICIENT_PODS;
  return cond.status === 'False' && cond.reason === INSUFFICIENT_PODS;
}

// ---- validation (pkg/apis/policy/validation/validation.go) ----

/** IntOrString through field.ErrorBody: *IntOrString is a fmt.Stringer, so `50%` or `3`, unquoted. */
const intOrStringShown = (v: JsonValue): string => (typeof v === 'number' ? String(v) : String(v));

// apps validation ValidatePositiveIntOrPercent and IsNotMoreThan100Percent.
function validateIntOrPercent(v: JsonValue, field: string): FieldError[] {
  const errors: FieldError[] = [];
  if (typeof v === 'string') {
    if (!PERCENT_RE.test(v)) {
      errors.push({
        type: 'FieldValueInvalid',
        field,
        shown: intOrStringShown(v),
        // validation.IsValidPercent → RegexError(percentErrMsg, "[0-9]+%", "1%", "93%")
        detail:
          "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
      });
    } else if (Number(v.slice(0, -1)) > 100) {
      errors.push({
        type: 'FieldValueInvalid',
        field,
        shown: intOrStringShown(v),
        detail: 'must not be greater than 100%',
      });
    }
  } else if (typeof v === 'number' && v < 0) {
    // apivalidation.ValidateNonnegativeField(int64(IntValue()))
    errors.push({ type: 'FieldValueInvalid', field, value: v, detail: 'must be greater than or equal to 0' });
  }
  return errors;
}

const UNHEALTHY_POD_EVICTION_POLICIES = ['AlwaysAllow', 'IfHealthyBudget'];

// ValidatePodDisruptionBudget → ValidatePodDisruptionBudgetSpec (create and update of the main resource).
export function validatePdbSpec(obj: JsonObject): FieldError[] {
  const spec = isObject(obj.spec) ? obj.spec : {};
  const errors: FieldError[] = [];
  const min = spec.minAvailable;
  const max = spec.maxUnavailable;
  const set = (v: JsonValue | undefined) => v !== undefined && v !== null;
  if (set(min) && set(max)) {
    // field.Invalid(fldPath, spec, …): the internal struct printed with %#v (pointer fields show addresses).
    errors.push({
      type: 'FieldValueInvalid',
      field: 'spec',
      shown: `policy.PodDisruptionBudgetSpec{MinAvailable:(*intstr.IntOrString)(0xc000000000), Selector:${set(spec.selector) ? '(*v1.LabelSelector)(0xc000000010)' : '(*v1.LabelSelector)(nil)'}, MaxUnavailable:(*intstr.IntOrString)(0xc000000020), UnhealthyPodEvictionPolicy:${set(spec.unhealthyPodEvictionPolicy) ? '(*policy.UnhealthyPodEvictionPolicyType)(0xc000000030)' : '(*policy.UnhealthyPodEvictionPolicyType)(nil)'}}`,
      detail: 'minAvailable and maxUnavailable cannot be both set',
    });
  }
  if (set(min)) errors.push(...validateIntOrPercent(min!, 'spec.minAvailable'));
  if (set(max)) errors.push(...validateIntOrPercent(max!, 'spec.maxUnavailable'));
  errors.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  const policy = spec.unhealthyPodEvictionPolicy;
  if (typeof policy === 'string' && !UNHEALTHY_POD_EVICTION_POLICIES.includes(policy)) {
    errors.push({
      type: 'FieldValueNotSupported',
      field: 'spec.unhealthyPodEvictionPolicy',
      value: policy,
      detail: `supported values: ${UNHEALTHY_POD_EVICTION_POLICIES.map((p) => JSON.stringify(p)).join(', ')}`,
    });
  }
  return errors;
}

// ValidatePodDisruptionBudgetStatusUpdate for policy/v1: the four counters are non-negative
// (ValidateNonnegativeField). Its ValidateConditions part is not simulated.
export function validatePdbStatus(obj: JsonObject): FieldError[] {
  const status = isObject(obj.status) ? obj.status : {};
  const errors: FieldError[] = [];
  for (const k of ['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods']) {
    const v = status[k];
    if (typeof v === 'number' && v < 0) {
      errors.push({
        type: 'FieldValueInvalid',
        field: `status.${k}`,
        value: v,
        detail: 'must be greater than or equal to 0',
      });
    }
  }
  return errors;
}
