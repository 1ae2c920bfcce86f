// The real kubectl reading from the simulated apiserver: server-side tables with kube-apiserver's
// columns (and -o wide), describe, explain from OpenAPI v3 and v2, the health endpoints, auth
// reviews and a table watch.

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCluster } from '../../src/sim/index.js';
import { waitFor } from '../support/waitFor.js';
import { type KubectlSim, kubectlMissing, startKubectlSim, tableRows } from './harness.js';

const RULES = 'devicetaintrules.resource.k8s.io';

describe.skipIf(kubectlMissing !== undefined)('kubectl reads the simulated cluster', () => {
  let k: KubectlSim;
  beforeAll(async () => {
    k = await startKubectlSim();
    seedCluster(k.sim.store, { nodes: 2, devicesPerNode: 2, pods: 3, seed: 7 });
    const pod = k.sim.store.list('pods', { namespace: 'team-00' })[0] as { metadata: { name: string; uid: string } };
    k.sim.store.create('events', {
      metadata: { name: 'evt-1', namespace: 'team-00' },
      involvedObject: { kind: 'Pod', namespace: 'team-00', name: pod.metadata.name, uid: pod.metadata.uid },
      reason: 'TaintManagerEviction',
      message: 'Marking for deletion',
      type: 'Normal',
      source: { component: 'device-taint-eviction-controller' },
      firstTimestamp: new Date().toISOString(),
      lastTimestamp: new Date().toISOString(),
      count: 1,
    });
    k.sim.store.create(RULES, {
      metadata: { name: 'xid-79' },
      spec: { deviceSelector: { driver: 'gpu.nvidia.com' }, taint: { key: 'gpu.nvidia.com/xid', effect: 'None' } },
    });
    // Warm kubectl's discovery cache once, so the parallel commands below do not all fetch it.
    await k.ok(['api-resources']);
  });
  afterAll(async () => {
    await k?.close();
  });

  it('prints kube-apiserver table columns for pods, events, slices, claims and rules (and -o wide)', async () => {
    const [pods, podsWide, events, eventsWide, slices, claims, rules] = await Promise.all([
      k.ok(['get', 'pods', '-A']),
      k.ok(['get', 'pods', '-A', '-o', 'wide']),
      k.ok(['get', 'events', '-n', 'team-00']),
      k.ok(['get', 'events', '-n', 'team-00', '-o', 'wide']),
      k.ok(['get', 'resourceslices']),
      k.ok(['get', 'resourceclaims', '-A']),
      k.ok(['get', 'devicetaintrules']),
    ]);
    expect(tableRows(pods)[0]).toEqual(['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    expect(tableRows(pods)).toHaveLength(4);
    expect(tableRows(pods)[1]?.slice(3, 5)).toEqual(['Running', '0']);
    expect(tableRows(podsWide)[0]).toEqual([
      'NAMESPACE',
      'NAME',
      'READY',
      'STATUS',
      'RESTARTS',
      'AGE',
      'IP',
      'NODE',
      'NOMINATED NODE',
      'READINESS GATES',
    ]);
    expect(tableRows(podsWide)[1]?.[7]).toMatch(/^gpu-node-000[01]$/);
    expect(tableRows(events)[0]).toEqual(['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
    expect(tableRows(events)[1]?.slice(1)).toEqual([
      'Normal',
      'TaintManagerEviction',
      expect.stringMatching(/^pod\/trainer-/),
      'Marking for deletion',
    ]);
    expect(tableRows(eventsWide)[0]).toEqual([
      'LAST SEEN',
      'TYPE',
      'REASON',
      'OBJECT',
      'SUBOBJECT',
      'SOURCE',
      'MESSAGE',
      'FIRST SEEN',
      'COUNT',
      'NAME',
    ]);
    expect(tableRows(eventsWide)[1]?.slice(-2)).toEqual(['1', 'evt-1']);
    expect(tableRows(slices)[0]).toEqual(['NAME', 'NODE', 'DRIVER', 'POOL', 'AGE']);
    expect(tableRows(slices)[1]?.slice(0, 4)).toEqual([
      'gpu-node-0000-gpu.nvidia.com',
      'gpu-node-0000',
      'gpu.nvidia.com',
      'gpu-node-0000',
    ]);
    expect(tableRows(claims)[0]).toEqual(['NAMESPACE', 'NAME', 'STATE', 'AGE']);
    expect(tableRows(claims)[1]?.[2]).toBe('allocated,reserved');
    // DeviceTaintRule has no printer: rest.defaultTableConvertor's name and creation time.
    expect(tableRows(rules)[0]).toEqual(['NAME', 'CREATED AT']);
    expect(tableRows(rules)[1]?.[1]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('answers get --raw on /healthz, /readyz, /livez and /version', async () => {
    const [healthz, readyz, livez, verbose, version] = await Promise.all([
      k.ok(['get', '--raw', '/healthz']),
      k.ok(['get', '--raw', '/readyz']),
      k.ok(['get', '--raw', '/livez']),
      k.ok(['get', '--raw', '/readyz?verbose']),
      k.ok(['get', '--raw', '/version']),
    ]);
    expect([healthz, readyz, livez]).toEqual(['ok', 'ok', 'ok']);
    expect(verbose).toContain('[+]ping ok');
    expect(verbose.trim().endsWith('readyz check passed')).toBe(true);
    expect(JSON.parse(version)).toMatchObject({ major: '1', gitVersion: expect.stringMatching(/^v1\./) });
  });

  it('describes a pod with its events and a rule generically', async () => {
    const pod = k.sim.store.list('pods', { namespace: 'team-00' })[0] as { metadata: { name: string } };
    const [podText, ruleText] = await Promise.all([
      k.ok(['describe', 'pod', '-n', 'team-00', pod.metadata.name]),
      k.ok(['describe', 'devicetaintrule', 'xid-79']),
    ]);
    expect(podText).toMatch(new RegExp(`^Name:\\s+${pod.metadata.name}$`, 'm'));
    expect(podText).toMatch(/^Namespace:\s+team-00$/m);
    expect(podText).toMatch(
      /Normal\s+TaintManagerEviction\s+.*device-taint-eviction-controller\s+Marking for deletion/,
    );
    expect(ruleText).toMatch(/^Kind:\s+DeviceTaintRule$/m);
    expect(ruleText).toMatch(/Key:\s+gpu.nvidia.com\/xid/);
  });

  it('explains fields from OpenAPI v3, and from v2 when asked', async () => {
    const [v3, v2, pods] = await Promise.all([
      k.ok(['explain', 'devicetaintrules.spec.taint']),
      k.ok(['explain', 'devicetaintrules.spec.taint', '--output=plaintext-openapiv2']),
      k.ok(['explain', 'pods.spec.containers']),
    ]);
    expect(v3).toMatch(/^GROUP:\s+resource.k8s.io$/m);
    expect(v3).toMatch(/^KIND:\s+DeviceTaintRule$/m);
    expect(v3).toMatch(/effect\s+<string> -required-/);
    expect(v3).toMatch(/timeAdded\s+<string>/);
    expect(v2).toMatch(/^KIND:\s+DeviceTaintRule$/m);
    expect(v2).toMatch(/key\s+<string> -required-/);
    expect(pods).toMatch(/ports\s+<\[\]ContainerPort>/);
  });

  it('answers auth can-i and auth whoami (reviews sent as protobuf)', async () => {
    const [canDelete, canAll, whoami] = await Promise.all([
      k.kubectl(['auth', 'can-i', 'delete', 'pods', '-n', 'team-00']),
      k.kubectl(['auth', 'can-i', '*', '*']),
      k.ok(['auth', 'whoami']),
    ]);
    expect(canDelete).toMatchObject({ code: 0, stdout: 'yes\n' });
    expect(canAll).toMatchObject({ code: 0, stdout: 'yes\n' });
    expect(whoami).toMatch(/Username\s+sim-admin/);
  });

  it('watches with server-side table rows (kubectl get -w)', async () => {
    const child = spawn(
      'kubectl',
      ['--kubeconfig', join(k.dir, 'kubeconfig'), '--cache-dir', join(k.dir, 'cache'), 'get', 'devicetaintrules', '-w'],
      { env: { ...process.env, HOME: k.dir } },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    try {
      await waitFor(
        () => out.includes('xid-79'),
        20_000,
        () => `the initial rows (got ${JSON.stringify(out)})`,
      );
      k.sim.store.create(RULES, {
        metadata: { name: 'watched' },
        spec: { taint: { key: 'k', effect: 'None' } },
      });
      await waitFor(
        () => out.includes('watched'),
        20_000,
        () => `the watched rule's row (got ${JSON.stringify(out)})`,
      );
      expect(tableRows(out)[0]).toEqual(['NAME', 'CREATED AT']);
      expect(tableRows(out).map((r) => r[0])).toEqual(['NAME', 'xid-79', 'watched']);
    } finally {
      child.kill();
    }
  });
});
