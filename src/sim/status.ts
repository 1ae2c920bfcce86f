// Errors in the shape kube-apiserver returns them: a `Status` object with reason and code, so that
// clients exercise their real error paths (client-node surfaces `code` and the body).

import type { JsonObject, JsonValue } from './json.js';

export type StatusReason =
  | 'BadRequest'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'Expired'
  | 'Gone'
  | 'InternalError'
  | 'TooManyRequests'
  | 'Forbidden'
  | 'MethodNotAllowed'
  | 'UnsupportedMediaType'
  | 'NotAcceptable'
  | 'ServiceUnavailable'
  | 'Timeout'
  | 'Unknown'
  /** No reason: a Status a REST storage returned as its result (errors.FromObject keeps it empty). */
  | '';

export interface StatusDetails {
  readonly name?: string;
  readonly group?: string;
  readonly kind?: string;
  readonly uid?: string;
  readonly retryAfterSeconds?: number;
  readonly causes?: readonly { readonly reason?: string; readonly message?: string; readonly field?: string }[];
}

/** Thrown by the store and the handlers; the HTTP layer renders it as a Status body. */
export class SimApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
    this.name = 'SimApiError';
  }

  toStatus(): JsonObject {
    return statusObject(this.code, this.reason, this.message, this.details);
  }
}

// metav1.Status in its Go field order (kind, apiVersion, metadata, status, message, reason, details,
// code); reason and details are `omitempty`.
export function statusObject(code: number, reason: StatusReason, message: string, details?: StatusDetails): JsonObject {
  const body: JsonObject = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
  };
  if (reason !== '') body.reason = reason;
  if (details !== undefined) {
    const d = omitEmpty(details);
    if (Object.keys(d).length > 0) body.details = d;
  }
  body.code = code;
  return body;
}

// metav1.StatusDetails and StatusCause fields are all `omitempty`: empty strings, zero numbers and
// empty lists never reach the wire.
function omitEmpty(details: StatusDetails): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(details)) {
    if (v === undefined || v === '' || v === 0) continue;
    if (Array.isArray(v)) {
      if (v.length === 0) continue;
      out[k] = v.map((c: Record<string, string | undefined>) => {
        const cause: JsonObject = {};
        for (const [ck, cv] of Object.entries(c)) if (cv !== undefined && cv !== '') cause[ck] = cv;
        return cause;
      });
    } else out[k] = v as JsonValue;
  }
  return out;
}

/** `pods "x" not found`, as kube-apiserver words it (qualified resource, then name). */
const qualified = (resource: string, group: string): string => (group === '' ? resource : `${resource}.${group}`);

export const notFound = (resource: string, group: string, name: string): SimApiError =>
  new SimApiError(404, 'NotFound', `${qualified(resource, group)} "${name}" not found`, {
    name,
    group,
    kind: resource,
  });

export const alreadyExists = (resource: string, group: string, name: string): SimApiError =>
  new SimApiError(409, 'AlreadyExists', `${qualified(resource, group)} "${name}" already exists`, {
    name,
    group,
    kind: resource,
  });

export const conflict = (resource: string, group: string, name: string, why: string): SimApiError =>
  new SimApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(resource, group)} "${name}": ${why}`, {
    name,
    group,
    kind: resource,
  });

/** field.ErrorType values as they appear in a Status cause's `reason`. */
export type FieldErrorType =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueDuplicate'
  | 'FieldValueTooLong'
  | 'FieldValueNotFound';

/** One field.Error (k8s.io/apimachinery/pkg/util/validation/field). */
export interface FieldError {
  readonly type: FieldErrorType;
  readonly field: string;
  /** BadValue; absent for the types whose message never shows it (Required, Forbidden, TooLong). */
  readonly value?: JsonValue;
  /**
   * The bad value as ErrorBody prints it when JSON would not: a fmt.Stringer's String() (an
   * IntOrString prints `50%` or `3`) or a struct's %#v. Takes precedence over `value`.
   */
  readonly shown?: string;
  readonly detail?: string;
}

const FIELD_ERROR_TEXT: Readonly<Record<FieldErrorType, string>> = {
  FieldValueRequired: 'Required value',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueForbidden: 'Forbidden',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueTooLong: 'Too long',
  FieldValueNotFound: 'Not found',
};

/** Types whose message carries the bad value (field.Error.ErrorBody). */
const SHOWS_VALUE = new Set<FieldErrorType>([
  'FieldValueInvalid',
  'FieldValueNotSupported',
  'FieldValueDuplicate',
  'FieldValueNotFound',
]);

// field.Error.ErrorBody: "<type text>[: <value>][: <detail>]"; strings are %q-quoted, numbers and
// booleans printed bare, anything else JSON-encoded.
export function fieldErrorBody(e: FieldError): string {
  let s = FIELD_ERROR_TEXT[e.type];
  if (SHOWS_VALUE.has(e.type) && e.shown !== undefined) s += `: ${e.shown}`;
  else if (SHOWS_VALUE.has(e.type)) {
    const v = e.value ?? null;
    s += `: ${typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v)}`;
  }
  if (e.detail !== undefined && e.detail !== '') s += `: ${e.detail}`;
  return s;
}

/** schema.GroupKind.String(): `Kind` for the core group, `Kind.group` otherwise. */
const groupKind = (kind: string, group: string): string => (group === '' ? kind : `${kind}.${group}`);

// errors.NewInvalid (apimachinery/pkg/api/errors/errors.go): 422, one cause per field error, message
// "<Kind.group> "<name>" is invalid: <errors>" where several distinct errors are joined as "[a, b]"
// (utilerrors.aggregate.Error).
export function invalid(kind: string, group: string, name: string, errors: readonly FieldError[]): SimApiError {
  const texts = [...new Set(errors.map((e) => `${e.field}: ${fieldErrorBody(e)}`))];
  const joined = texts.length === 1 ? texts[0]! : `[${texts.join(', ')}]`;
  const message =
    texts.length === 0
      ? `${groupKind(kind, group)} "${name}" is invalid`
      : `${groupKind(kind, group)} "${name}" is invalid: ${joined}`;
  return new SimApiError(422, 'Invalid', message, {
    name,
    group,
    kind,
    causes: errors.map((e) => ({ reason: e.type, message: fieldErrorBody(e), field: e.field })),
  });
}

// storage.NewInvalidObjError as errors.NewConflict prints it (storage/errors.go StorageError.Error):
// the etcd key and a zero resourceVersion, then the precondition's own text.
export const storageInvalidObj = (key: string, message: string): string =>
  `StorageError: invalid object, Code: 4, Key: ${key}, ResourceVersion: 0, AdditionalErrorMsg: ${message}`;

export const badRequest = (message: string): SimApiError => new SimApiError(400, 'BadRequest', message);

export const expired = (message: string): SimApiError => new SimApiError(410, 'Expired', message);
