// metav1.LabelSelector objects (matchLabels, matchExpressions) as the apiserver and controllers
// evaluate them: LabelSelectorAsSelector (apimachinery/pkg/apis/meta/v1/helpers.go) and the
// operator/values checks of ValidateLabelSelector (apimachinery/pkg/apis/meta/v1/validation).

import { isObject, type JsonValue } from './json.js';
import type { Labels } from './selectors.js';
import type { FieldError } from './status.js';

/** A compiled selector; `undefined` labels mean an object without labels. */
export type LabelMatcher = (labels: Labels | undefined) => boolean;

const OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

const stringList = (v: JsonValue | undefined): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

/**
 * LabelSelectorAsSelector: a nil selector selects nothing, an empty one (`{}`) everything; the
 * requirements are ANDed. Returns an Error for what NewRequirement rejects (an unknown operator,
 * In/NotIn without values, Exists/DoesNotExist with values) — objects the validation below keeps
 * out of storage.
 */
export function labelSelectorAsSelector(selector: JsonValue | undefined): LabelMatcher | Error {
  if (!isObject(selector)) return () => false;
  const matchLabels = isObject(selector.matchLabels) ? selector.matchLabels : {};
  const exprs = Array.isArray(selector.matchExpressions) ? selector.matchExpressions : [];
  if (Object.keys(matchLabels).length + exprs.length === 0) return () => true;
  const reqs: LabelMatcher[] = [];
  for (const [k, v] of Object.entries(matchLabels)) {
    const value = String(v);
    reqs.push((labels) => labels !== undefined && Object.hasOwn(labels, k) && labels[k] === value);
  }
  for (const e of exprs) {
    const expr = isObject(e) ? e : {};
    const key = typeof expr.key === 'string' ? expr.key : '';
    const op = typeof expr.operator === 'string' ? expr.operator : '';
    const values = stringList(expr.values);
    if (!OPERATORS.includes(op)) return new Error(`${JSON.stringify(op)} is not a valid label selector operator`);
    // NewRequirement (apimachinery/pkg/labels/selector.go): field.Invalid on the values, printed with %#v.
    const shown = Array.isArray(expr.values)
      ? `[]string{${values.map((v) => JSON.stringify(v)).join(', ')}}`
      : '[]string(nil)';
    if ((op === 'In' || op === 'NotIn') && values.length === 0) {
      return new Error(`values: Invalid value: ${shown}: for 'in', 'notin' operators, values set can't be empty`);
    }
    if ((op === 'Exists' || op === 'DoesNotExist') && values.length > 0) {
      return new Error(`values: Invalid value: ${shown}: values set must be empty for exists and does not exist`);
    }
    const has = (labels: Labels | undefined) => labels !== undefined && Object.hasOwn(labels, key);
    switch (op) {
      case 'In':
        reqs.push((labels) => has(labels) && values.includes(labels![key]!));
        break;
      case 'NotIn':
        reqs.push((labels) => !has(labels) || !values.includes(labels![key]!));
        break;
      case 'Exists':
        reqs.push(has);
        break;
      default:
        reqs.push((labels) => !has(labels));
    }
  }
  return (labels) => reqs.every((r) => r(labels));
}

/**
 * ValidateLabelSelector's operator and values rules (ValidateLabelSelectorRequirement). Label key and
 * value syntax (IsQualifiedName, IsValidLabelValue) is not checked.
 */
export function validateLabelSelector(selector: JsonValue | undefined, path: string): FieldError[] {
  const errors: FieldError[] = [];
  if (!isObject(selector)) return errors;
  const exprs = Array.isArray(selector.matchExpressions) ? selector.matchExpressions : [];
  exprs.forEach((e, i) => {
    const expr = isObject(e) ? e : {};
    const at = `${path}.matchExpressions[${i}]`;
    const op = typeof expr.operator === 'string' ? expr.operator : '';
    const values = stringList(expr.values);
    if (op === 'In' || op === 'NotIn') {
      if (values.length === 0) {
        errors.push({
          type: 'FieldValueRequired',
          field: `${at}.values`,
          detail: "must be specified when `operator` is 'In' or 'NotIn'",
        });
      }
    } else if (op === 'Exists' || op === 'DoesNotExist') {
      if (values.length > 0) {
        errors.push({
          type: 'FieldValueForbidden',
          field: `${at}.values`,
          detail: "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
        });
      }
    } else {
      errors.push({
        type: 'FieldValueInvalid',
        field: `${at}.operator`,
        value: op,
        detail: 'not a valid selector operator',
      });
    }
  });
  return errors;
}
