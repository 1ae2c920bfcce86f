// Errors in the shape kube-apiserver returns them: a `Status` object with reason and code, so that
// clients exercise their real error paths (client-node surfaces `code` and the body).

import type { JsonObject } from './json.js';

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
  | 'MethodNotAllowed'
  | 'UnsupportedMediaType'
  | 'NotAcceptable'
  | 'ServiceUnavailable'
  | 'Timeout'
  | 'Unknown';

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

export function statusObject(code: number, reason: StatusReason, message: string, details?: StatusDetails): JsonObject {
  const body: JsonObject = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
  };
  if (details !== undefined) body.details = JSON.parse(JSON.stringify(details)) as JsonObject;
  return body;
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

export const invalid = (kind: string, group: string, name: string, field: string, message: string): SimApiError =>
  new SimApiError(422, 'Invalid', `${kind} "${name}" is invalid: ${field}: ${message}`, {
    name,
    group,
    kind,
    causes: [{ reason: 'FieldValueInvalid', message, field }],
  });

export const badRequest = (message: string): SimApiError => new SimApiError(400, 'BadRequest', message);

export const expired = (message: string): SimApiError => new SimApiError(410, 'Expired', message);
