// The real kubectl writing to the simulated apiserver: client-side apply with server-side field
// validation, server-side apply and the CSA→SSA upgrade kubectl performs, create (protobuf),
// the three patch types, label, delete and wait, and --dry-run=server writing nothing.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/sim/index.js';
import { type KubectlSim, kubectlMissing, startKubectlSim } from './harness.js';

const RULES = 'devicetaintrules.resource.k8s.io';

const rule = (name: string, effect: string, extra = '') => `apiVersion: resource.k8s.io/v1
kind: DeviceTaintRule
metadata:
  name: ${name}
spec:
  deviceSelector:
    driver: gpu.nvidia.com
  taint:
    key: example.com/maintenance
    effect: ${effect}
${extra}`;

interface Entry {
  manager: string;
  operation: string;
  apiVersion: string;
  time?: string;
  fieldsType: string;
  fieldsV1: JsonObject;
  subresource?: string;
}

const managedFields = (obj: JsonObject | undefined): Entry[] =>
  ((obj?.metadata as { managedFields?: Entry[] } | undefined)?.managedFields ?? []) as Entry[];

describe.skipIf(kubectlMissing !== undefined)('kubectl writes to the simulated cluster', () => {
  let k: KubectlSim;
  beforeAll(async () => {
    k = await startKubectlSim();
    await k.ok(['api-resources']);
  });
  afterAll(async () => {
    await k?.close();
  });

  it('applies client-side with strict server-side validation, then updates with a strategic merge patch', async () => {
    const file = await k.file('rule-a.yaml', rule('rule-a', 'None'));
    expect(await k.ok(['apply', '-f', file])).toBe('devicetaintrule.resource.k8s.io/rule-a created\n');
    const created = k.sim.store.get(RULES, '', 'rule-a')!;
    expect(managedFields(created)).toEqual([
      {
        manager: 'kubectl-client-side-apply',
        operation: 'Update',
        apiVersion: 'resource.k8s.io/v1',
        time: expect.any(String),
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': {
            'f:annotations': { '.': {}, 'f:kubectl.kubernetes.io/last-applied-configuration': {} },
          },
          'f:spec': {
            'f:deviceSelector': { '.': {}, 'f:driver': {} },
            'f:taint': { 'f:effect': {}, 'f:key': {} },
          },
        },
      },
    ]);
    const bad = await k.file('rule-bad.yaml', rule('rule-bad', 'None', '  bogus: 1\n'));
    const rejected = await k.kubectl(['apply', '-f', bad]);
    expect(rejected.code).not.toBe(0);
    expect(rejected.stderr).toContain(
      'DeviceTaintRule in version "v1" cannot be handled as a DeviceTaintRule: strict decoding error: unknown field "spec.bogus"',
    );
    expect(k.sim.store.get(RULES, '', 'rule-bad')).toBeUndefined();
    await k.file('rule-a.yaml', rule('rule-a', 'NoExecute'));
    expect(await k.ok(['apply', '-f', file])).toBe('devicetaintrule.resource.k8s.io/rule-a configured\n');
    const updated = k.sim.store.get(RULES, '', 'rule-a') as { spec: { taint: { effect: string } } };
    expect(updated.spec.taint.effect).toBe('NoExecute');
  });

  it('upgrades client-side apply ownership to server-side apply (kubectl apply --server-side)', async () => {
    const file = await k.file('rule-b.yaml', rule('rule-b', 'None'));
    await k.ok(['apply', '-f', file]);
    const before = k.sim.store.get(RULES, '', 'rule-b') as { spec: JsonObject };
    expect(await k.ok(['apply', '--server-side', '-f', file])).toBe(
      'devicetaintrule.resource.k8s.io/rule-b serverside-applied\n',
    );
    const after = k.sim.store.get(RULES, '', 'rule-b')!;
    expect(after.spec).toEqual(before.spec);
    // kubectl first hands the last-applied annotation to "kubectl-last-applied" (so the apply does
    // not prune it), then moves kubectl-client-side-apply's fields to "kubectl" with a JSON patch
    // of managedFields, then applies: no Update entry is left.
    const entries = managedFields(after);
    expect(entries).toHaveLength(2);
    expect(entries.find((e) => e.manager === 'kubectl')).toEqual({
      manager: 'kubectl',
      operation: 'Apply',
      apiVersion: 'resource.k8s.io/v1',
      time: expect.any(String),
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:spec': { 'f:deviceSelector': { 'f:driver': {} }, 'f:taint': { 'f:effect': {}, 'f:key': {} } } },
    });
    expect(entries.find((e) => e.manager === 'kubectl-last-applied')).toMatchObject({
      operation: 'Apply',
      fieldsV1: { 'f:metadata': { 'f:annotations': { 'f:kubectl.kubernetes.io/last-applied-configuration': {} } } },
    });
    // A field another manager owns and the apply changes is a conflict.
    await k.ok([
      'patch',
      'devicetaintrule',
      'rule-b',
      '--type=merge',
      '-p',
      '{"spec":{"taint":{"effect":"NoSchedule"}}}',
    ]);
    const conflict = await k.kubectl(['apply', '--server-side', '-f', file]);
    expect(conflict.code).not.toBe(0);
    expect(conflict.stderr).toContain('Apply failed with 1 conflict: conflict with "kubectl-patch"');
    expect(conflict.stderr).toContain('.spec.taint.effect');
    await k.ok(['apply', '--server-side', '--force-conflicts', '-f', file]);
    expect((k.sim.store.get(RULES, '', 'rule-b') as { spec: { taint: { effect: string } } }).spec.taint.effect).toBe(
      'None',
    );
  });

  it('creates a namespace (sent as protobuf), objects from files and from stdin', async () => {
    expect(await k.ok(['create', 'namespace', 'demo'])).toBe('namespace/demo created\n');
    expect(k.sim.store.get('namespaces', '', 'demo')).toMatchObject({
      metadata: { name: 'demo' },
      status: { phase: 'Active' },
    });
    const pod = `apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: demo
spec:
  containers:
  - name: main
    image: nginx:1
  - name: side
    image: busybox
`;
    expect(await k.ok(['create', '-f', '-'], pod)).toBe('pod/web created\n');
    const created = k.sim.store.get('pods', 'demo', 'web')!;
    const entry = managedFields(created)[0]!;
    expect(entry).toMatchObject({ manager: 'kubectl-create', operation: 'Update', apiVersion: 'v1' });
    expect(entry.fieldsV1).toMatchObject({
      'f:spec': {
        'f:containers': { 'k:{"name":"main"}': { '.': {}, 'f:image': {}, 'f:name': {}, 'f:resources': {} } },
      },
    });
  });

  it('patches with strategic merge, JSON merge and JSON patch, and labels', async () => {
    await k.ok(['create', 'namespace', 'patches']);
    await k.ok(['run', 'p', '-n', 'patches', '--image=busybox', '--restart=Never']);
    await k.ok([
      'patch',
      'pod',
      'p',
      '-n',
      'patches',
      '-p',
      '{"spec":{"containers":[{"name":"p","image":"busybox:2"}]}}',
    ]);
    await k.ok(['patch', 'pod', 'p', '-n', 'patches', '--type=merge', '-p', '{"metadata":{"annotations":{"a":"1"}}}']);
    await k.ok([
      'patch',
      'pod',
      'p',
      '-n',
      'patches',
      '--type=json',
      '-p',
      '[{"op":"add","path":"/metadata/annotations/b","value":"2"}]',
    ]);
    await k.ok(['label', 'pod', 'p', '-n', 'patches', 'tier=web']);
    const pod = k.sim.store.get('pods', 'patches', 'p') as {
      metadata: { annotations: JsonObject; labels: JsonObject };
      spec: { containers: { name: string; image: string }[] };
    };
    expect(pod.spec.containers).toEqual([expect.objectContaining({ name: 'p', image: 'busybox:2' })]);
    expect(pod.metadata.annotations).toEqual({ a: '1', b: '2' });
    expect(pod.metadata.labels).toMatchObject({ run: 'p', tier: 'web' });
    const managers = managedFields(pod as unknown as JsonObject).map((e) => e.manager);
    expect(managers).toEqual(expect.arrayContaining(['kubectl-run', 'kubectl-patch', 'kubectl-label']));
  });

  it('deletes, and wait --for=delete returns once the object is gone', async () => {
    const file = await k.file('rule-c.yaml', rule('rule-c', 'None'));
    await k.ok(['apply', '-f', file]);
    const waiting = k.kubectl(['wait', '--for=delete', 'devicetaintrule/rule-c', '--timeout=20s']);
    expect(await k.ok(['delete', 'devicetaintrule', 'rule-c'])).toBe(
      'devicetaintrule.resource.k8s.io "rule-c" deleted\n',
    );
    expect(await waiting).toMatchObject({ code: 0 });
    expect(k.sim.store.get(RULES, '', 'rule-c')).toBeUndefined();
  });

  it('--dry-run=server runs every write through the server and stores nothing', async () => {
    const file = await k.file('rule-d.yaml', rule('rule-d', 'None'));
    await k.ok(['apply', '-f', file]);
    const events: string[] = [];
    const watch = k.sim.store.watch(RULES, {}, k.sim.store.resourceVersion, (type, e) =>
      events.push(`${type} ${e.name}`),
    );
    const rv = k.sim.store.resourceVersion;
    const before = JSON.stringify(k.sim.store.get(RULES, '', 'rule-d'));
    try {
      const dry = ['--dry-run=server'];
      const created = await k.ok(['apply', '-f', await k.file('rule-e.yaml', rule('rule-e', 'None')), ...dry]);
      expect(created).toBe('devicetaintrule.resource.k8s.io/rule-e created (server dry run)\n');
      await k.file('rule-d.yaml', rule('rule-d', 'NoExecute'));
      await k.ok(['apply', '-f', file, ...dry]);
      // The CSA->SSA migration is itself dry-run, so kubectl-client-side-apply still owns the effect.
      await k.ok(['apply', '--server-side', '--force-conflicts', '-f', file, ...dry]);
      const labelled = await k.ok(['label', 'devicetaintrule', 'rule-d', 'x=y', '-o', 'json', ...dry]);
      expect(JSON.parse(labelled).metadata.labels).toEqual({ x: 'y' });
      await k.ok([
        'patch',
        'devicetaintrule',
        'rule-d',
        '--type=merge',
        '-p',
        '{"spec":{"taint":{"value":"v"}}}',
        ...dry,
      ]);
      await k.ok(['create', 'namespace', 'dry', ...dry]);
      expect(await k.ok(['delete', 'devicetaintrule', 'rule-d', ...dry])).toBe(
        'devicetaintrule.resource.k8s.io "rule-d" deleted (server dry run)\n',
      );
      expect(k.sim.store.resourceVersion).toBe(rv);
      expect(events).toEqual([]);
      expect(JSON.stringify(k.sim.store.get(RULES, '', 'rule-d'))).toBe(before);
      expect(k.sim.store.get(RULES, '', 'rule-e')).toBeUndefined();
      expect(k.sim.store.get('namespaces', '', 'dry')).toBeUndefined();
    } finally {
      watch.stop();
    }
  });
});
