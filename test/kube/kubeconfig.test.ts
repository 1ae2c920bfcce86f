import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubeconfigError, loadKubeconfig } from '../../src/kube/kubeconfig.js';

const config = (opts: { current?: string; contexts: [string, string][]; clusters: [string, string][] }) =>
  [
    'apiVersion: v1',
    'kind: Config',
    opts.current === undefined ? '' : `current-context: ${opts.current}`,
    'clusters:',
    ...opts.clusters.flatMap(([name, server]) => [
      `- name: ${name}`,
      '  cluster:',
      `    server: ${server}`,
      '    insecure-skip-tls-verify: true',
    ]),
    'users:',
    '- name: u',
    '  user:',
    '    token: abc',
    'contexts:',
    ...opts.contexts.flatMap(([name, cluster]) => [
      `- name: ${name}`,
      '  context:',
      `    cluster: ${cluster}`,
      '    user: u',
    ]),
    '',
  ].join('\n');

function expectError(fn: () => unknown, problem: string, message: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(KubeconfigError);
  const e = caught as KubeconfigError;
  expect(e.problem).toBe(problem);
  expect(e.message).toMatch(message);
  // One human line: the CLI prints exactly this.
  expect(e.message).not.toContain('\n');
}

describe('loadKubeconfig', () => {
  let dir: string;
  const empty = { env: {} as Record<string, string>, homeDir: '' };

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'kubeconfig-test-'));
    empty.homeDir = path.join(dir, 'home');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, text: string): string => {
    const file = path.join(dir, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
    return file;
  };

  it('loads --kubeconfig and its current context', () => {
    const file = write(
      'a.yaml',
      config({ current: 'one', contexts: [['one', 'c1']], clusters: [['c1', 'http://127.0.0.1:1/']] }),
    );
    const loaded = loadKubeconfig({ ...empty, kubeconfig: file });
    expect(loaded.context).toBe('one');
    expect(loaded.server).toBe('http://127.0.0.1:1');
    expect(loaded.source).toBe(file);
  });

  it('--context overrides current-context', () => {
    const file = write(
      'a.yaml',
      config({
        current: 'one',
        contexts: [
          ['one', 'c1'],
          ['two', 'c2'],
        ],
        clusters: [
          ['c1', 'http://127.0.0.1:1'],
          ['c2', 'http://127.0.0.1:2'],
        ],
      }),
    );
    const loaded = loadKubeconfig({ ...empty, kubeconfig: file, context: 'two' });
    expect(loaded.context).toBe('two');
    expect(loaded.server).toBe('http://127.0.0.1:2');
  });

  it('missing --kubeconfig file is a one-line error', () => {
    const file = path.join(dir, 'nope.yaml');
    expectError(
      () => loadKubeconfig({ ...empty, kubeconfig: file }),
      'notFound',
      new RegExp(`^kubeconfig ${file}: file not found$`),
    );
  });

  it('broken YAML is a one-line error', () => {
    const file = write('bad.yaml', 'clusters: [\n  - name: x\n  : : :\n');
    expectError(() => loadKubeconfig({ ...empty, kubeconfig: file }), 'invalid', /^kubeconfig .*bad\.yaml: invalid: /);
  });

  it('empty and non-config files are rejected', () => {
    expectError(() => loadKubeconfig({ ...empty, kubeconfig: write('e.yaml', '  \n') }), 'invalid', /file is empty/);
    expectError(() => loadKubeconfig({ ...empty, kubeconfig: write('s.yaml', 'hello') }), 'invalid', /no clusters/);
  });

  it('a cluster entry without server is rejected', () => {
    const file = write('noserver.yaml', 'clusters:\n- name: c\n  cluster: {}\ncontexts: []\n');
    expectError(() => loadKubeconfig({ ...empty, kubeconfig: file }), 'invalid', /cluster\.server is missing/);
  });

  it('unknown --context lists the known ones', () => {
    const file = write(
      'a.yaml',
      config({ current: 'one', contexts: [['one', 'c1']], clusters: [['c1', 'http://127.0.0.1:1']] }),
    );
    expectError(
      () => loadKubeconfig({ ...empty, kubeconfig: file, context: 'zzz' }),
      'unknownContext',
      /context "zzz" not found \(known: one\)/,
    );
  });

  it('a context naming a missing cluster is an error', () => {
    const file = write(
      'a.yaml',
      config({ current: 'one', contexts: [['one', 'ghost']], clusters: [['c1', 'http://127.0.0.1:1']] }),
    );
    expectError(() => loadKubeconfig({ ...empty, kubeconfig: file }), 'noCluster', /refers to unknown cluster "ghost"/);
  });

  it('no current-context and no --context is an error', () => {
    const file = write('a.yaml', config({ contexts: [['one', 'c1']], clusters: [['c1', 'http://127.0.0.1:1']] }));
    expectError(() => loadKubeconfig({ ...empty, kubeconfig: file }), 'noCurrentContext', /no current-context set/);
  });

  it('KUBECONFIG lists merge with the first file winning', () => {
    const a = write(
      'a.yaml',
      config({ current: 'one', contexts: [['one', 'c1']], clusters: [['c1', 'http://127.0.0.1:1']] }),
    );
    const b = write(
      'b.yaml',
      config({
        current: 'two',
        contexts: [['two', 'c2']],
        clusters: [
          ['c1', 'http://127.0.0.1:9'],
          ['c2', 'http://127.0.0.1:2'],
        ],
      }),
    );
    const missing = path.join(dir, 'missing.yaml');
    const env = { KUBECONFIG: [missing, a, b].join(path.delimiter) };
    const loaded = loadKubeconfig({ ...empty, env });
    expect(loaded.context).toBe('one');
    expect(loaded.server).toBe('http://127.0.0.1:1');
    expect(loaded.source).toBe([a, b].join(path.delimiter));
    expect(loadKubeconfig({ ...empty, env, context: 'two' }).server).toBe('http://127.0.0.1:2');
  });

  it('KUBECONFIG where no file exists is an error', () => {
    const env = { KUBECONFIG: path.join(dir, 'x.yaml') };
    expectError(() => loadKubeconfig({ ...empty, env }), 'notFound', /\(from KUBECONFIG\): file not found/);
  });

  it('falls back to ~/.kube/config', () => {
    const file = write(
      'home/.kube/config',
      config({ current: 'h', contexts: [['h', 'c']], clusters: [['c', 'http://127.0.0.1:3']] }),
    );
    const loaded = loadKubeconfig(empty);
    expect(loaded.source).toBe(file);
    expect(loaded.server).toBe('http://127.0.0.1:3');
  });

  it('falls back to the in-cluster service account', () => {
    write('root/var/run/secrets/kubernetes.io/serviceaccount/token', 'tok');
    write('root/var/run/secrets/kubernetes.io/serviceaccount/ca.crt', 'ca');
    const env = { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' };
    const loaded = loadKubeconfig({ ...empty, env, inClusterRoot: path.join(dir, 'root') });
    expect(loaded.source).toBe('in-cluster');
    expect(loaded.server).toBe('https://10.0.0.1:443');
    // The process environment is left as it was.
    expect(process.env.KUBERNETES_SERVICE_HOST).not.toBe('10.0.0.1');
  });

  it('nothing anywhere is a one-line error', () => {
    const env = { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' };
    // Service env without a token file is not "in cluster".
    expectError(
      () => loadKubeconfig({ ...empty, env, inClusterRoot: path.join(dir, 'root') }),
      'noConfig',
      /^no kubeconfig: /,
    );
  });
});
