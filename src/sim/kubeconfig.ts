// A kubeconfig pointing at the simulated apiserver. client-node refuses plain-http servers unless
// the cluster says insecure-skip-tls-verify, so it always does.

import { stringify } from 'yaml';

export interface KubeconfigOptions {
  readonly namespace?: string;
  readonly user?: string;
}

/**
 * The sim accepts every bearer token (it authorizes everything), but it remembers who a request came
 * from, as kube-apiserver's audit log does: a token `sim-token:<user>` authenticates as `<user>`.
 */
export const SIM_TOKEN_PREFIX = 'sim-token:';

/** The user a request authenticates as ('' without a sim token). */
export function userOfAuthorization(header: string | undefined): string {
  const match = /^Bearer (.+)$/i.exec(header ?? '');
  if (match === null) return '';
  const token = match[1] as string;
  return token.startsWith(SIM_TOKEN_PREFIX) ? token.slice(SIM_TOKEN_PREFIX.length) : 'sim-admin';
}

export function buildKubeconfig(url: string, opts: KubeconfigOptions = {}): string {
  const user = opts.user ?? 'sim-admin';
  const context: Record<string, string> = { cluster: 'sim', user };
  if (opts.namespace !== undefined) context.namespace = opts.namespace;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'sim', cluster: { server: url, 'insecure-skip-tls-verify': true } }],
    users: [{ name: user, user: { token: `${SIM_TOKEN_PREFIX}${user}` } }],
    contexts: [{ name: 'sim', context }],
    'current-context': 'sim',
    preferences: {},
  });
}
