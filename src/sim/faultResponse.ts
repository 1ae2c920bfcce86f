// What an injected failure looks like on the wire, per the part of kube-apiserver that would have
// produced it (see VerbFault.source). Clients branch on these details — a plain-text 429 with no
// Status, a Retry-After header with or without details.retryAfterSeconds — so they are kept exact.

import type { ServerResponse } from 'node:http';
import type { InjectedFailure } from './faults.js';
import type { JsonObject } from './json.js';
import { type StatusReason, statusObject } from './status.js';

const REASONS: Readonly<Record<number, StatusReason>> = {
  400: 'BadRequest',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  410: 'Expired',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

export const reasonForCode = (code: number): StatusReason => REASONS[code] ?? 'Unknown';

export function writeInjectedFailure(res: ServerResponse, failure: InjectedFailure, what: string): void {
  const { code, retryAfterSeconds, source } = failure;
  if (source === 'filter' && code === 429) {
    // tooManyRequests (server/filters/maxinflight.go, priority-and-fairness.go): Retry-After, then
    // net/http.Error's plain-text body — no Status object.
    const text = 'Too many requests, please try again later.\n';
    res.writeHead(429, {
      'Retry-After': String(retryAfterSeconds ?? 1),
      'Content-Type': 'text/plain; charset=utf-8',
      'X-Content-Type-Options': 'nosniff',
      'Content-Length': Buffer.byteLength(text),
    });
    res.end(text);
    return;
  }
  if (source === 'filter' && code === 503) {
    // waitGroupWriteRetryAfterToResponse (server/filters/waitgroup.go): Retry-After: 1 and
    // errors.NewServiceUnavailable("apiserver is shutting down"), without details.
    writeStatus(res, statusObject(503, 'ServiceUnavailable', 'apiserver is shutting down'), {
      'Retry-After': String(retryAfterSeconds ?? 1),
      'X-Content-Type-Options': 'nosniff',
    });
    return;
  }
  // responsewriters.ErrorNegotiated: Retry-After only when details.retryAfterSeconds > 0.
  const headers: Record<string, string> = {};
  if (retryAfterSeconds !== undefined && retryAfterSeconds > 0) headers['Retry-After'] = String(retryAfterSeconds);
  const message = `injected fault (${what})`;
  const body =
    code === 500
      ? // errors.NewInternalError: the cause repeats the error text.
        statusObject(500, 'InternalError', `Internal error occurred: ${message}`, {
          causes: [{ message }],
          retryAfterSeconds,
        })
      : statusObject(
          code,
          reasonForCode(code),
          message,
          retryAfterSeconds !== undefined ? { retryAfterSeconds } : undefined,
        );
  writeStatus(res, body, headers);
}

function writeStatus(res: ServerResponse, body: JsonObject, headers: Record<string, string>): void {
  const text = JSON.stringify(body);
  res.writeHead(Number(body.code), {
    ...headers,
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}
