// `continue` tokens: the snapshot revision and the last key served, base64-encoded like
// kube-apiserver's (opaque to clients; a malformed token is a 400, an expired one a 410).

import { badRequest } from './status.js';

export interface ContinuePosition {
  readonly rv: number;
  readonly start: string;
}

export const encodeContinue = (p: ContinuePosition): string =>
  Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: p.rv, start: p.start })).toString('base64url');

export function decodeContinue(token: string): ContinuePosition {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      'rv' in parsed &&
      'start' in parsed &&
      typeof parsed.rv === 'number' &&
      typeof parsed.start === 'string'
    ) {
      return { rv: parsed.rv, start: parsed.start };
    }
  } catch {
    // fall through
  }
  throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
}
