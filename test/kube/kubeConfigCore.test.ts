// KubeConfigCore against client-node's KubeConfig, kubeconfig by kubeconfig: both must load the same
// clusters, users and contexts, pick the same current objects, and resolve the same TLS material and
// headers (what connection.ts sends) — or fail with the same message. And the reason it exists: loading
// it never loads client-node's generated API.

import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveKubeConfig } from '../../src/kube/connection.js';
import { KubeConfigCore, type KubeConfigLike } from '../../src/kube/kubeConfigCore.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'dte-kccore-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const fixture = (name: string): string => fileURLToPath(new URL(`fixtures/tls/${name}`, import.meta.url));
const b64 = (file: string): string => execFileSync('base64', ['-w0', file]).toString();

/** An unsigned JWT expiring at `exp` (seconds): client-node's OIDC authenticator reads only `exp`. */
const jwt = (exp: number): string =>
  [{ alg: 'none' }, { exp: Math.floor(exp), sub: 'someone' }]
    .map((part) => Buffer.from(JSON.stringify(part)).toString('base64url'))
    .concat('sig')
    .join('.');

interface Outcome {
  readonly value?: unknown;
  readonly error?: string;
}

async function outcome(run: () => unknown): Promise<Outcome> {
  try {
    return { value: await run() };
  } catch (error) {
    return { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}

/** Everything observable of a loaded configuration, as plain data. */
async function observe(kc: KubeConfigLike): Promise<Record<string, Outcome>> {
  const httpsOptions = async () => {
    const opts: RequestOptions = { headers: {} };
    await kc.applyToHTTPSOptions(opts);
    // client-node also builds an http(s).Agent from these options; nothing of ours sends through it.
    const { agent: _agent, ...rest } = opts;
    return rest;
  };
  return {
    clusters: await outcome(() => structuredClone(kc.getClusters())),
    users: await outcome(() => structuredClone(kc.getUsers())),
    contexts: await outcome(() => structuredClone(kc.getContexts())),
    currentContext: await outcome(() => kc.getCurrentContext()),
    currentCluster: await outcome(() => structuredClone(kc.getCurrentCluster())),
    currentUser: await outcome(() => structuredClone(kc.getCurrentUser())),
    httpsOptions: await outcome(httpsOptions),
    resolved: await outcome(() => resolveKubeConfig(kc)),
  };
}

/** Loads `yaml` the way kubeconfig.ts reads a file, into both classes. */
async function both(
  yaml: string,
  dir?: string,
): Promise<{ core: Record<string, Outcome>; full: Record<string, Outcome> }> {
  const load = async (kc: KubeConfigLike) => {
    const loaded = await outcome(() => {
      kc.loadFromString(yaml);
      if (dir !== undefined) kc.makePathsAbsolute(dir);
    });
    return loaded.error === undefined ? observe(kc) : { load: loaded };
  };
  return { core: await load(new KubeConfigCore()), full: await load(new KubeConfig()) };
}

function config(cluster: Record<string, unknown>, user: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'x', context: { cluster: 'c', user: 'u', namespace: 'ns' } }],
    'current-context': 'x',
    ...extra,
  });
}

describe('KubeConfigCore resolves what client-node resolves', () => {
  const https = { server: 'https://127.0.0.1:6443' };
  const cases: [string, () => string][] = [
    [
      'a bearer token with CA data, tls-server-name and impersonation',
      () =>
        config(
          { ...https, 'certificate-authority-data': b64(fixture('ca.crt')), 'tls-server-name': 'kubernetes' },
          { token: 'abc', as: 'someone' },
        ),
    ],
    ['basic auth', () => config(https, { username: 'admin', password: 'p@ss:w' })],
    [
      'client certificate and key as data',
      () =>
        config(https, {
          'client-certificate-data': b64(fixture('client.crt')),
          'client-key-data': b64(fixture('client.key')),
        }),
    ],
    [
      'plain http with insecure-skip-tls-verify',
      () => config({ server: 'http://127.0.0.1:8080', 'insecure-skip-tls-verify': true }, { token: 't' }),
    ],
    ['plain http without skip-verify (refused)', () => config({ server: 'http://127.0.0.1:8080' }, { token: 't' })],
    [
      'a token file auth provider',
      () => {
        const file = path.join(tempDir(), 'token');
        writeFileSync(file, 'from-file');
        return config(https, { 'auth-provider': { name: 'tokenFile', config: { tokenFile: file } } });
      },
    ],
    [
      'a static token next to an auth provider (the token wins)',
      () => {
        const file = path.join(tempDir(), 'token');
        writeFileSync(file, 'from-file');
        return config(https, { token: 'static', 'auth-provider': { name: 'tokenFile', config: { tokenFile: file } } });
      },
    ],
    [
      'an exec plugin returning a token and a client certificate',
      () => {
        const script = path.join(tempDir(), 'plugin.sh');
        writeFileSync(
          script,
          `#!/bin/sh\necho '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"exec-token","clientCertificateData":"CERT","clientKeyData":"KEY"}}'\n`,
        );
        chmodSync(script, 0o755);
        return config(https, {
          exec: { apiVersion: 'client.authentication.k8s.io/v1', command: script, interactiveMode: 'Never' },
        });
      },
    ],
    [
      'an OIDC user with a valid id-token',
      () =>
        config(https, {
          'auth-provider': {
            name: 'oidc',
            config: { 'id-token': jwt(Date.now() / 1000 + 3600), 'client-id': 'dte', 'idp-issuer-url': 'https://idp' },
          },
        }),
    ],
    [
      'an OIDC user with an expired id-token and nothing to refresh it with',
      () => config(https, { 'auth-provider': { name: 'oidc', config: { 'id-token': jwt(1) } } }),
    ],
    ['an https proxy', () => config({ ...https, 'proxy-url': 'http://proxy:3128' }, { token: 't' })],
    ['a socks proxy', () => config({ ...https, 'proxy-url': 'socks5://proxy:1080' }, { token: 't' })],
    [
      'a socks proxy of an unknown kind',
      () => config({ ...https, 'proxy-url': 'socksx://proxy:1080' }, { token: 't' }),
    ],
    ['an unparsable proxy URL', () => config({ ...https, 'proxy-url': 'http://' }, { token: 't' })],
    [
      'a context naming an unknown cluster',
      () =>
        JSON.stringify({
          clusters: [{ name: 'c', cluster: https }],
          users: [{ name: 'u', user: { token: 't' } }],
          contexts: [{ name: 'x', context: { cluster: 'nope', user: 'u' } }],
          'current-context': 'x',
        }),
    ],
    ['no current context', () => config(https, { token: 't' }, { 'current-context': undefined })],
    ['a cluster without a server (invalid)', () => config({ 'certificate-authority-data': 'eA==' }, { token: 't' })],
    [
      'YAML with comments and anchors',
      () =>
        [
          'clusters:',
          '- name: c',
          '  cluster: &c',
          '    server: https://10.0.0.1:443 # the API server',
          'users:',
          '- name: u',
          '  user: {token: yaml-token}',
          'contexts:',
          '- name: x',
          '  context: {cluster: c, user: u}',
          'current-context: x',
        ].join('\n'),
    ],
    ['a YAML syntax error', () => 'clusters: [\n'],
  ];

  /** How a case ends when it does not resolve (a substring of the error). */
  const EXPECTED: Readonly<Record<string, string>> = {
    'plain http without skip-verify (refused)': 'HTTP protocol is not allowed',
    'a socks proxy of an unknown kind': 'A "socks" protocol must be specified',
    'an unparsable proxy URL': 'Invalid URL',
    'a cluster without a server (invalid)': 'clusters[0].cluster.server is missing',
    'a YAML syntax error': 'YAMLException',
  };

  for (const [name, yaml] of cases)
    it(name, async () => {
      const { core, full } = await both(yaml());
      expect(core).toEqual(full);
      // Not two identical failures by accident: each case says how it ends.
      const ended = core.load?.error ?? core.resolved?.error ?? 'resolved';
      expect(ended).toContain(EXPECTED[name] ?? 'resolved');
    });

  it('client certificate, key and CA as files relative to the kubeconfig', async () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, 'pki'));
    for (const f of ['ca.crt', 'client.crt', 'client.key']) copyFileSync(fixture(f), path.join(dir, 'pki', f));
    const yaml = config(
      { ...https, 'certificate-authority': 'pki/ca.crt' },
      { 'client-certificate': 'pki/client.crt', 'client-key': 'pki/client.key' },
    );
    const { core, full } = await both(yaml, dir);
    expect(core).toEqual(full);
    expect(JSON.stringify(core.resolved)).toContain('BEGIN CERTIFICATE');
  });

  it('the in-cluster configuration (service account token, CA, namespace)', async () => {
    const root = tempDir();
    const sa = path.join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
    mkdirSync(sa, { recursive: true });
    writeFileSync(path.join(sa, 'token'), 'sa-token');
    copyFileSync(fixture('ca.crt'), path.join(sa, 'ca.crt'));
    writeFileSync(path.join(sa, 'namespace'), 'kube-system');
    const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
    cleanups.push(() => {
      for (const [key, value] of [
        ['KUBERNETES_SERVICE_HOST', saved.host],
        ['KUBERNETES_SERVICE_PORT', saved.port],
      ] as const)
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
    });
    for (const [host, port] of [
      ['10.96.0.1', '443'],
      ['fd00::1', '443'],
      ['10.96.0.1', '8080'],
    ] as const) {
      process.env.KUBERNETES_SERVICE_HOST = host;
      process.env.KUBERNETES_SERVICE_PORT = port;
      const core = new KubeConfigCore();
      const full = new KubeConfig();
      core.loadFromCluster(root);
      full.loadFromCluster(root);
      expect(await observe(core)).toEqual(await observe(full));
    }
  });

  it('loadFromOptions and setCurrentContext, as kubeconfig.ts merges several files', async () => {
    const options = {
      clusters: [
        { name: 'a', server: 'https://a:6443', skipTLSVerify: false },
        { name: 'b', server: 'https://b:6443', skipTLSVerify: true },
      ],
      users: [
        { name: 'ua', token: 'ta' },
        { name: 'ub', username: 'x', password: 'y' },
      ],
      contexts: [
        { name: 'ca', cluster: 'a', user: 'ua' },
        { name: 'cb', cluster: 'b', user: 'ub' },
      ],
      currentContext: 'ca',
    };
    const core = new KubeConfigCore();
    const full = new KubeConfig();
    core.loadFromOptions(structuredClone(options));
    full.loadFromOptions(structuredClone(options));
    expect(await observe(core)).toEqual(await observe(full));
    core.setCurrentContext('cb');
    full.setCurrentContext('cb');
    expect(await observe(core)).toEqual(await observe(full));
    expect(core.getContextObject('nope')).toEqual(full.getContextObject('nope'));
  });
});

describe('what loading it costs', () => {
  it('never loads client-node’s generated API or its index, nor the OIDC client', () => {
    // A child process with a resolve hook that records every module resolved, then imports the module.
    const dir = tempDir();
    const hooks = path.join(dir, 'hooks.mjs');
    const log = path.join(dir, 'resolved.txt');
    writeFileSync(
      hooks,
      [
        `import { appendFileSync } from 'node:fs';`,
        `export async function resolve(specifier, context, next) {`,
        `  const r = await next(specifier, context);`,
        `  appendFileSync(${JSON.stringify(log)}, r.url + '\\n');`,
        `  return r;`,
        `}`,
      ].join('\n'),
    );
    const register = path.join(dir, 'register.mjs');
    writeFileSync(
      register,
      `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${hooks}`)});\n`,
    );
    const target = new URL('../../src/kube/kubeconfig.ts', import.meta.url).href;
    execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--import',
        register,
        '--input-type=module',
        '-e',
        `const m = await import(${JSON.stringify(target)}); if (typeof m.loadKubeconfig !== 'function') process.exit(3);`,
      ],
      { cwd: fileURLToPath(new URL('../..', import.meta.url)), stdio: ['ignore', 'ignore', 'inherit'] },
    );
    const resolved = execFileSync('cat', [log]).toString().split('\n');
    expect(resolved.some((u) => u.includes('/client-node/dist/config_types.js'))).toBe(true);
    expect(resolved.filter((u) => /\/client-node\/dist\/(gen\/|index\.js|config\.js)/.test(u))).toEqual([]);
    // Nor the OIDC client until an OIDC user needs it.
    expect(resolved.filter((u) => /\/(openid-client|jose|oauth4webapi)\//.test(u))).toEqual([]);
  });
});
