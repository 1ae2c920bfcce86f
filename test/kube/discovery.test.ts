import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../src/kube/apiClient.js';
import { DiscoveryError, discoverApis, resourcesFor } from '../../src/kube/discovery.js';
import { HttpReadTransport, type ReadTransport } from '../../src/kube/readTransport.js';
import { RecordingLogger } from '../../src/shared/logger.js';
import { type DraVersion, type RuleVersion, type SimServer, startSimServer } from '../../src/sim/index.js';

describe('discoverApis against the simulated apiserver', () => {
  const open: { sim: SimServer; transport: HttpReadTransport }[] = [];
  afterEach(async () => {
    for (const { sim, transport } of open.splice(0)) {
      await transport.close();
      await sim.close();
    }
  });

  async function serve(draVersions: DraVersion[], ruleVersions: RuleVersion[]) {
    const sim = await startSimServer({ port: 0, draVersions, ruleVersions });
    const kc = new KubeConfig();
    kc.loadFromString(sim.kubeconfigYaml());
    const transport = await HttpReadTransport.fromKubeConfig(kc);
    open.push({ sim, transport });
    return transport;
  }

  it.each<[DraVersion[], RuleVersion[], DraVersion, RuleVersion | null]>([
    [['v1', 'v1beta2', 'v1beta1'], ['v1', 'v1beta2', 'v1alpha3'], 'v1', 'v1'],
    [['v1beta2', 'v1beta1'], ['v1beta2', 'v1alpha3'], 'v1beta2', 'v1beta2'],
    [['v1beta1'], ['v1alpha3'], 'v1beta1', 'v1alpha3'],
    [['v1'], [], 'v1', null],
  ])('serves DRA %j and rules %j → picks %s / %s', async (dra, rules, wantDra, wantRule) => {
    const log = new RecordingLogger();
    const apis = await discoverApis(await serve(dra, rules), { log });
    expect(apis).toEqual({ draVersion: wantDra, deviceClasses: true, ruleVersion: wantRule, podGroupVersion: null });
    // "No rules" is logged once as a warning, never an error.
    const warned = log.lines.filter((l) => l.msg.startsWith('DeviceTaintRules are not served'));
    expect(warned).toHaveLength(wantRule === null ? 1 : 0);
    const resources = resourcesFor(apis);
    expect(resources.slices.version).toBe(wantDra);
    expect(resources.rules?.version ?? null).toBe(wantRule);
    expect(resources.podGroups).toBeNull();
  });

  it('no DRA API at all is a one-line DiscoveryError', async () => {
    const transport = await serve([], []);
    await expect(discoverApis(transport)).rejects.toThrow(DiscoveryError);
    await expect(discoverApis(transport)).rejects.toThrow(/does not serve resource\.k8s\.io/);
  });
});

describe('discoverApis (scripted documents)', () => {
  const docs = (
    map: Record<string, unknown>,
    failures: Record<string, number[]> = {},
  ): ReadTransport & { calls: string[] } => {
    const calls: string[] = [];
    return {
      calls,
      getJson(path: string) {
        calls.push(path);
        const fail = failures[path]?.shift();
        if (fail !== undefined) return Promise.reject(new ApiError(fail, 'X', `injected ${fail}`));
        return path in map ? Promise.resolve(map[path]) : Promise.reject(new ApiError(404, 'NotFound', 'not found'));
      },
      stream: () => Promise.reject(new Error('unused')),
      close: () => Promise.resolve(),
    };
  };
  const group = (name: string, versions: string[]) => ({ name, versions: versions.map((version) => ({ version })) });
  const list = (...names: string[]) => ({ resources: names.map((name) => ({ name })) });

  it('finds PodGroups in scheduling.k8s.io and ignores subresources', async () => {
    const t = docs({
      '/apis/resource.k8s.io': group('resource.k8s.io', ['v1']),
      '/apis/resource.k8s.io/v1': list(
        'resourceclaims',
        'resourceclaims/status',
        'resourceslices',
        'devicetaintrules/status',
      ),
      '/apis/scheduling.k8s.io': group('scheduling.k8s.io', ['v1', 'v1alpha2']),
      '/apis/scheduling.k8s.io/v1': list('priorityclasses'),
      '/apis/scheduling.k8s.io/v1alpha2': list('workloads', 'podgroups'),
    });
    expect(await discoverApis(t, { podGroups: true })).toEqual({
      draVersion: 'v1',
      deviceClasses: false,
      ruleVersion: null,
      podGroupVersion: 'v1alpha2',
    });
  });

  it('does not look at scheduling.k8s.io at all without workload claims', async () => {
    const asked: string[] = [];
    const served = docs({
      '/apis/resource.k8s.io': group('resource.k8s.io', ['v1']),
      '/apis/resource.k8s.io/v1': list('resourceclaims', 'resourceslices'),
    });
    const t = {
      ...served,
      getJson: (path: string) => {
        asked.push(path);
        // RBAC without podgroups: the scheduling group is forbidden.
        if (path.startsWith('/apis/scheduling.k8s.io')) return Promise.reject(new ApiError(403, 'Forbidden', 'no'));
        return served.getJson(path);
      },
    };
    expect(await discoverApis(t)).toMatchObject({ podGroupVersion: null });
    expect(asked.filter((p) => p.includes('scheduling'))).toEqual([]);
  });

  it('retries transient failures, fails fast on others', async () => {
    const ok = {
      '/apis/resource.k8s.io': group('resource.k8s.io', ['v1']),
      '/apis/resource.k8s.io/v1': list('resourceclaims', 'resourceslices', 'deviceclasses'),
    };
    const flaky = docs(ok, { '/apis/resource.k8s.io': [503, 0] });
    expect((await discoverApis(flaky, { retryDelayMs: 1 })).draVersion).toBe('v1');
    expect(flaky.calls.filter((c) => c === '/apis/resource.k8s.io')).toHaveLength(3);

    const forbidden = docs(ok, { '/apis/resource.k8s.io': [403] });
    await expect(discoverApis(forbidden, { retryDelayMs: 1 })).rejects.toThrow(
      /^discovery \/apis\/resource\.k8s\.io failed: HTTP 403/,
    );
  });

  it('a group without claims and slices in any supported version is an error', async () => {
    const t = docs({
      '/apis/resource.k8s.io': group('resource.k8s.io', ['v1alpha3']),
      '/apis/resource.k8s.io/v1alpha3': list('devicetaintrules'),
    });
    await expect(discoverApis(t)).rejects.toThrow(/not resourceclaims and resourceslices in v1, v1beta2, v1beta1/);
  });
});
