// The kinds deploy/ installs the controller with, served so that `kubectl apply -k deploy/` works:
// a server-side dry run that stores nothing, the real apply, and kube-apiserver's tables for
// deployments, services, PDBs, service accounts, config maps and RBAC objects.

import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KubectlSim, kubectlMissing, startKubectlSim, tableRows } from './harness.js';

const DEPLOY = fileURLToPath(new URL('../../deploy/', import.meta.url));
const NS = 'device-taint-evictor';

// The lead adds a Service and a PodDisruptionBudget to deploy/ later; the sim serves them already.
const SERVICE_AND_PDB = `apiVersion: v1
kind: Service
metadata:
  name: device-taint-evictor-metrics
  namespace: ${NS}
spec:
  selector: {app.kubernetes.io/name: device-taint-evictor}
  ports:
  - name: metrics
    port: 8080
    targetPort: metrics
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: device-taint-evictor
  namespace: ${NS}
spec:
  maxUnavailable: 1
  selector:
    matchLabels: {app.kubernetes.io/name: device-taint-evictor}
`;

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

  it('dry-runs every object once the namespace exists, and stores none of them', async () => {
    await k.ok(['create', 'namespace', NS]);
    const rv = k.sim.store.resourceVersion;
    const out = await k.ok(['apply', '--dry-run=server', '-k', DEPLOY]);
    for (const line of [
      `serviceaccount/${NS} created (server dry run)`,
      'role.rbac.authorization.k8s.io/device-taint-evictor-leader-election created (server dry run)',
      'rolebinding.rbac.authorization.k8s.io/device-taint-evictor-leader-election created (server dry run)',
      'clusterrole.rbac.authorization.k8s.io/device-taint-evictor created (server dry run)',
      'clusterrolebinding.rbac.authorization.k8s.io/device-taint-evictor created (server dry run)',
      'deployment.apps/device-taint-evictor created (server dry run)',
    ]) {
      expect(out).toContain(line);
    }
    const svc = await k.file('svc-pdb.yaml', SERVICE_AND_PDB);
    expect(await k.ok(['apply', '--dry-run=server', '-f', svc])).toBe(
      'service/device-taint-evictor-metrics created (server dry run)\npoddisruptionbudget.policy/device-taint-evictor created (server dry run)\n',
    );
    expect(k.sim.store.resourceVersion).toBe(rv);
    expect(k.sim.store.list('deployments.apps')).toEqual([]);
    expect(k.sim.store.list('clusterroles.rbac.authorization.k8s.io')).toEqual([]);
  });

  it('applies for real and prints kube-apiserver tables for the deployment kinds', async () => {
    await k.ok(['apply', '-k', DEPLOY]);
    await k.ok(['apply', '-f', await k.file('svc-pdb2.yaml', SERVICE_AND_PDB)]);
    await k.ok(['create', 'configmap', 'settings', '-n', NS, '--from-literal=level=info']);
    const [deploy, svc, pdb, sa, cm, bindings, roles] = await Promise.all([
      k.ok(['get', 'deployments', '-n', NS, '-o', 'wide']),
      k.ok(['get', 'services', '-n', NS, '-o', 'wide']),
      k.ok(['get', 'pdb', '-n', NS]),
      k.ok(['get', 'sa', '-n', NS]),
      k.ok(['get', 'cm', '-n', NS]),
      k.ok(['get', 'clusterrolebindings']),
      k.ok(['get', 'clusterroles']),
    ]);
    expect(tableRows(deploy)).toEqual([
      ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR'],
      [
        NS,
        '0/2',
        '0',
        '0',
        expect.any(String),
        'controller',
        'device-taint-evictor:0.1.0',
        'app.kubernetes.io/name=device-taint-evictor',
      ],
    ]);
    expect(tableRows(svc)).toEqual([
      ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE', 'SELECTOR'],
      [
        'device-taint-evictor-metrics',
        'ClusterIP',
        expect.stringMatching(/^10\.96\./),
        '<none>',
        '8080/TCP',
        expect.any(String),
        'app.kubernetes.io/name=device-taint-evictor',
      ],
    ]);
    expect(tableRows(pdb)).toEqual([
      ['NAME', 'MIN AVAILABLE', 'MAX UNAVAILABLE', 'ALLOWED DISRUPTIONS', 'AGE'],
      [NS, 'N/A', '1', '0', expect.any(String)],
    ]);
    expect(tableRows(sa)[0]).toEqual(['NAME', 'SECRETS', 'AGE']);
    expect(tableRows(cm)).toEqual([
      ['NAME', 'DATA', 'AGE'],
      ['settings', '1', expect.any(String)],
    ]);
    expect(tableRows(bindings)).toEqual([
      ['NAME', 'ROLE', 'AGE'],
      [NS, `ClusterRole/${NS}`, expect.any(String)],
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
