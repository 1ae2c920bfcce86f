// deploy/ as kubectl sees it: `kubectl kustomize` renders the base (with the `images:` registry and no
// ServiceMonitor) and the ServiceMonitor component on top of it; `kubectl apply --dry-run=server -k
// deploy/` runs every object of the base through the simulated apiserver and stores none; the real
// apply gets kube-apiserver's defaults and tables for the deployment kinds.

import { spawnSync } from 'node:child_process';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { type KubectlSim, kubectlMissing, startKubectlSim, tableRows } from './harness.js';

const DEPLOY = fileURLToPath(new URL('../../deploy/', import.meta.url));
const COMPONENT = fileURLToPath(new URL('../../deploy/components/servicemonitor/', import.meta.url));
const NS = 'device-taint-evictor';
const IMAGE = 'registry.example.com/device-taint-evictor:0.1.0';
const PRIORITY_CLASS = 'device-taint-evictor-critical';

interface Rendered {
  readonly kind: string;
  readonly name: string;
  readonly namespace: string | undefined;
  readonly object: Record<string, unknown>;
}

/** `kubectl kustomize <dir>` (client side, no cluster), as a list of objects. */
function kustomize(dir: string): Rendered[] {
  const r = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`kubectl kustomize ${dir} exited ${r.status}: ${r.stderr}`);
  return parseAllDocuments(r.stdout).map((doc) => {
    const object = doc.toJSON() as Record<string, unknown>;
    const meta = object.metadata as { name: string; namespace?: string };
    return { kind: String(object.kind), name: meta.name, namespace: meta.namespace, object };
  });
}

const kindsOf = (objs: readonly Rendered[]): string[] => objs.map((o) => `${o.kind}/${o.name}`).sort();

/** The rendered template of the Deployment, typed just enough for the assertions below. */
interface PodTemplate {
  spec: {
    priorityClassName: string;
    topologySpreadConstraints: { topologyKey: string; whenUnsatisfiable: string }[];
    containers: {
      image: string;
      args: string[];
      resources: { requests: Record<string, string>; limits: Record<string, string> };
      securityContext: Record<string, unknown>;
      livenessProbe: { httpGet: { scheme: string; path: string } };
      readinessProbe: { httpGet: { scheme: string; path: string } };
    }[];
  };
}

describe.skipIf(kubectlMissing !== undefined)('kubectl kustomize deploy/', () => {
  it('renders the base: registry image, HTTPS metrics, our own priority class, PDB, spread; no ServiceMonitor', () => {
    const objs = kustomize(DEPLOY);
    expect(kindsOf(objs)).toEqual(
      [
        `Namespace/${NS}`,
        `ServiceAccount/${NS}`,
        `ClusterRole/${NS}`,
        `ClusterRoleBinding/${NS}`,
        `Role/${NS}-leader-election`,
        `RoleBinding/${NS}-leader-election`,
        `Role/${NS}-breaker`,
        `RoleBinding/${NS}-breaker`,
        `ClusterRole/${NS}-metrics-auth`,
        `ClusterRoleBinding/${NS}-metrics-auth`,
        `ClusterRole/${NS}-metrics-reader`,
        `ClusterRole/${NS}-explainer`,
        `Role/${NS}-explainer`,
        `PriorityClass/${PRIORITY_CLASS}`,
        `Deployment/${NS}`,
        `Service/${NS}-metrics`,
        `PodDisruptionBudget/${NS}`,
      ].sort(),
    );
    const deployment = objs.find((o) => o.kind === 'Deployment')!.object as {
      spec: { replicas: number; template: PodTemplate };
    };
    const pod = deployment.spec.template.spec;
    const [container] = pod.containers;
    expect(deployment.spec.replicas).toBe(2);
    expect(container!.image).toBe(IMAGE);
    expect(container!.args).toEqual(
      expect.arrayContaining(['run', '--metrics-secure', '--metrics-bind-address=:8443']),
    );
    // Brakes are on in deploy/, and the breaker's record lives where its Role grants access.
    expect(container!.args).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^--max-evictions-per-second=\d/),
        expect.stringMatching(/^--breaker-max-evictions=\d/),
        expect.stringMatching(/^--breaker-max-percent=\d/),
        `--breaker-namespace=${NS}`,
      ]),
    );
    const breakerRole = objs.find((o) => o.kind === 'Role' && o.name === `${NS}-breaker`)!.object as {
      metadata: { namespace: string };
      rules: { resourceNames?: string[] }[];
    };
    expect(breakerRole.metadata.namespace).toBe(NS);
    expect(breakerRole.rules[0]?.resourceNames).toEqual(['device-taint-evictor-breaker']);
    expect(container!.livenessProbe.httpGet).toMatchObject({ scheme: 'HTTPS', path: '/healthz' });
    expect(container!.readinessProbe.httpGet).toMatchObject({ scheme: 'HTTPS', path: '/readyz' });
    expect(container!.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(Object.keys(container!.resources.requests).sort()).toEqual(['cpu', 'memory']);
    expect(container!.resources.limits.memory).toBeDefined();
    // Not system-cluster-critical: that class is quota-limited to kube-system on many clusters.
    expect(pod.priorityClassName).toBe(PRIORITY_CLASS);
    expect(pod.topologySpreadConstraints.map((c) => [c.topologyKey, c.whenUnsatisfiable])).toEqual([
      ['kubernetes.io/hostname', 'DoNotSchedule'],
      ['topology.kubernetes.io/zone', 'ScheduleAnyway'],
    ]);
    const pdb = objs.find((o) => o.kind === 'PodDisruptionBudget')!.object as { spec: Record<string, unknown> };
    expect(pdb.spec.minAvailable).toBe(1);
  });

  it('renders the ServiceMonitor component on top of the base, from an overlay', async () => {
    const k = await startKubectlSim();
    try {
      const overlay = await k.file(
        'kustomization.yaml',
        [
          'apiVersion: kustomize.config.k8s.io/v1beta1',
          'kind: Kustomization',
          // kustomize wants paths relative to the overlay.
          `resources: [${relative(k.dir, DEPLOY)}]`,
          `components: [${relative(k.dir, COMPONENT)}]`,
          '',
        ].join('\n'),
      );
      const objs = kustomize(overlay.replace(/kustomization\.yaml$/, ''));
      const base = kindsOf(kustomize(DEPLOY));
      expect(kindsOf(objs)).toEqual(
        [...base, 'ServiceMonitor/device-taint-evictor', `ClusterRoleBinding/${NS}-metrics-reader`].sort(),
      );
      const monitor = objs.find((o) => o.kind === 'ServiceMonitor')!;
      expect(monitor.namespace).toBe(NS);
      expect(monitor.object.spec).toMatchObject({
        selector: { matchLabels: { 'app.kubernetes.io/name': NS } },
        endpoints: [{ port: 'https-metrics', scheme: 'https', path: '/metrics' }],
      });
      // The Service it selects is in the base and carries the label.
      const service = objs.find((o) => o.kind === 'Service')!.object as {
        metadata: { labels: Record<string, string> };
        spec: { ports: { name: string }[] };
      };
      expect(service.metadata.labels['app.kubernetes.io/name']).toBe(NS);
      expect(service.spec.ports.map((p) => p.name)).toEqual(['https-metrics']);
    } finally {
      await k.close();
    }
  });
});

describe.skipIf(kubectlMissing !== undefined)('kubectl apply -k deploy/ against the simulated cluster', () => {
  let k: KubectlSim;
  beforeAll(async () => {
    k = await startKubectlSim();
    await k.ok(['api-resources']);
  });
  afterAll(async () => {
    await k?.close();
  });

  it('dry-runs on an empty cluster like kube-apiserver: the namespace is not there for what goes in it', async () => {
    const rv = k.sim.store.resourceVersion;
    const r = await k.kubectl(['apply', '--dry-run=server', '-k', DEPLOY]);
    // NamespaceLifecycle admission rejects objects in a namespace that does not exist (a dry-run
    // namespace is not stored), as on a real cluster.
    expect(r.code).not.toBe(0);
    expect(r.stdout).toContain(`namespace/${NS} created (server dry run)`);
    expect(r.stdout).toContain('clusterrole.rbac.authorization.k8s.io/device-taint-evictor created (server dry run)');
    expect(r.stderr).toContain(`namespaces "${NS}" not found`);
    expect(k.sim.store.resourceVersion).toBe(rv);
  });

  it('dry-runs every object of the base once the namespace exists, and stores none of them', async () => {
    await k.ok(['create', 'namespace', NS]);
    const rv = k.sim.store.resourceVersion;
    const out = await k.ok(['apply', '--dry-run=server', '-k', DEPLOY]);
    // One line per rendered object, in kubectl's `<kind>.<group>/<name>` form.
    const expected = kustomize(DEPLOY).map(({ kind, name, object }) => {
      const apiVersion = String(object.apiVersion);
      const group = apiVersion.includes('/') ? `.${apiVersion.split('/')[0]}` : '';
      const verb = kind === 'Namespace' ? 'configured' : 'created';
      return `${kind.toLowerCase()}${group}/${name} ${verb} (server dry run)`;
    });
    expect(out.trim().split('\n').sort()).toEqual(expected.sort());
    expect(out).toContain(`priorityclass.scheduling.k8s.io/${PRIORITY_CLASS} created (server dry run)`);
    expect(k.sim.store.resourceVersion).toBe(rv);
    expect(k.sim.store.list('deployments.apps')).toEqual([]);
    expect(k.sim.store.list('clusterroles.rbac.authorization.k8s.io')).toEqual([]);
    expect(k.sim.store.list('priorityclasses.scheduling.k8s.io')).toEqual([]);
    expect(k.sim.store.list('poddisruptionbudgets.policy')).toEqual([]);
  });

  it('rejects what a real apiserver rejects: a user priority class above 1e9 or with the system- prefix', async () => {
    const bad = await k.file(
      'bad-priority.yaml',
      [
        'apiVersion: scheduling.k8s.io/v1',
        'kind: PriorityClass',
        'metadata: {name: too-high}',
        'value: 1000000001',
        '---',
        'apiVersion: scheduling.k8s.io/v1',
        'kind: PriorityClass',
        'metadata: {name: system-evictor}',
        'value: 1000',
        '',
      ].join('\n'),
    );
    const r = await k.kubectl(['apply', '--dry-run=server', '-f', bad]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('value: Forbidden: maximum allowed value of a user defined priority is 1000000000');
    expect(r.stderr).toContain("metadata.name: Forbidden: priority class names with 'system-' prefix are reserved");
  });

  it('applies for real and prints kube-apiserver tables for the deployment kinds', async () => {
    await k.ok(['apply', '-k', DEPLOY]);
    await k.ok(['create', 'configmap', 'settings', '-n', NS, '--from-literal=level=info']);
    const [deploy, svc, pdb, sa, cm, bindings, roles, pcs] = await Promise.all([
      k.ok(['get', 'deployments', '-n', NS, '-o', 'wide']),
      k.ok(['get', 'services', '-n', NS, '-o', 'wide']),
      k.ok(['get', 'pdb', '-n', NS]),
      k.ok(['get', 'sa', '-n', NS]),
      k.ok(['get', 'cm', '-n', NS]),
      k.ok(['get', 'clusterrolebindings']),
      k.ok(['get', 'clusterroles']),
      k.ok(['get', 'priorityclasses']),
    ]);
    expect(tableRows(deploy)).toEqual([
      ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR'],
      [NS, '0/2', '0', '0', expect.any(String), 'controller', IMAGE, 'app.kubernetes.io/name=device-taint-evictor'],
    ]);
    expect(tableRows(svc)).toEqual([
      ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE', 'SELECTOR'],
      [
        'device-taint-evictor-metrics',
        'ClusterIP',
        expect.stringMatching(/^10\.96\./),
        '<none>',
        '8443/TCP',
        expect.any(String),
        'app.kubernetes.io/name=device-taint-evictor',
      ],
    ]);
    expect(tableRows(pdb)).toEqual([
      ['NAME', 'MIN AVAILABLE', 'MAX UNAVAILABLE', 'ALLOWED DISRUPTIONS', 'AGE'],
      [NS, '1', 'N/A', '0', expect.any(String)],
    ]);
    expect(tableRows(sa)[0]).toEqual(['NAME', 'SECRETS', 'AGE']);
    expect(tableRows(cm)).toEqual([
      ['NAME', 'DATA', 'AGE'],
      ['settings', '1', expect.any(String)],
    ]);
    expect(tableRows(bindings)).toEqual([
      ['NAME', 'ROLE', 'AGE'],
      [NS, `ClusterRole/${NS}`, expect.any(String)],
      [`${NS}-metrics-auth`, `ClusterRole/${NS}-metrics-auth`, expect.any(String)],
    ]);
    expect(tableRows(pcs)).toEqual([
      ['NAME', 'VALUE', 'GLOBAL-DEFAULT', 'AGE', 'PREEMPTIONPOLICY'],
      [PRIORITY_CLASS, '1000000000', 'false', expect.any(String), 'PreemptLowerPriority'],
    ]);
    expect(tableRows(roles)[0]).toEqual(['NAME', 'CREATED AT']);
    // The deployment got the apps/v1 defaults.
    expect(k.sim.store.get('deployments.apps', NS, NS)).toMatchObject({
      spec: {
        replicas: 2,
        revisionHistoryLimit: 10,
        progressDeadlineSeconds: 600,
        strategy: { type: 'RollingUpdate' },
      },
    });
  });
});
