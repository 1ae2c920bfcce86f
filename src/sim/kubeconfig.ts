// A kubeconfig pointing at the simulated apiserver. client-node refuses plain-http servers unless
// the cluster says insecure-skip-tls-verify, so it always does.

import { stringify } from 'yaml';

export interface KubeconfigOptions {
  readonly namespace?: string;
  readonly user?: string;
}

export function buildKubeconfig(url: string, opts: KubeconfigOptions = {}): string {
  const user = opts.user ?? 'sim-admin';
  const context: Record<string, string> = { cluster: 'sim', user };
  if (opts.namespace !== undefined) context.namespace = opts.namespace;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'sim', cluster: { server: url, 'insecure-skip-tls-verify': true } }],
    users: [{ name: user, user: { token: 'sim-token' } }],
    contexts: [{ name: 'sim', context }],
    'current-context': 'sim',
    preferences: {},
  });
}
