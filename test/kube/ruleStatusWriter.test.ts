// DeviceTaintRule status by server-side apply against the simulated API server.
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ApiClient, ApiError, type ApiRequest } from '../../src/kube/apiClient.js';
import { KeepAliveApiClient } from '../../src/kube/keepAlive.js';
import { KubeRuleStatusWriter } from '../../src/kube/ruleStatusWriter.js';
import type { ApiBudget } from '../../src/shared/apiBudget.js';
import { silentLogger } from '../../src/shared/logger.js';
import type { RuleCondition, RuleRecord } from '../../src/shared/types.js';
import type { RuleVersion } from '../../src/sim/resources.js';
import { type SimServer, startSimServer } from '../../src/sim/server.js';

const RULES = 'devicetaintrules.resource.k8s.io' as const;

class CountingBudget implements ApiBudget {
  taken = 0;
  acquire(): Promise<void> {
    this.taken++;
    return Promise.resolve();
  }
  tryAcquire(): boolean {
    this.taken++;
    return true;
  }
}

function createRule(sim: SimServer, name: string): RuleRecord {
  const created = sim.store.create(RULES, {
    apiVersion: 'resource.k8s.io/v1',
    kind: 'DeviceTaintRule',
    metadata: { name },
    spec: {
      deviceSelector: { driver: 'some-driver' },
      taint: { key: 'example.com/taint', value: 'something', effect: 'NoExecute' },
    },
  });
  const meta = created.metadata as { uid: string; resourceVersion: string; generation?: number };
  return {
    name,
    uid: meta.uid,
    resourceVersion: meta.resourceVersion,
    generation: meta.generation ?? 1,
    selector: { driver: 'some-driver' },
    taint: { key: 'example.com/taint', value: 'something', effect: 'NoExecute', timeAdded: null },
    conditions: [],
    startLimit: null,
  };
}

const pending = (at: number): RuleCondition => ({
  type: 'EvictionInProgress',
  status: 'True',
  reason: 'PodsPendingEviction',
  message: '1 pod needs to be evicted in 1 namespace.',
  observedGeneration: 1,
  lastTransitionTime: at,
});

interface Managed {
  manager: string;
  operation: string;
  subresource?: string;
}

for (const version of ['v1', 'v1beta2'] as RuleVersion[]) {
  describe(`KubeRuleStatusWriter (${version})`, () => {
    let sim: SimServer;
    let api: KeepAliveApiClient;
    let budget: CountingBudget;
    let writer: KubeRuleStatusWriter;
    let sent: ApiRequest[];

    beforeEach(async () => {
      sim = await startSimServer({ port: 0, ruleVersions: [version] });
      const kc = new KubeConfig();
      kc.loadFromString(sim.kubeconfigYaml());
      api = await KeepAliveApiClient.fromKubeConfig(kc);
      budget = new CountingBudget();
      sent = [];
      const recording: ApiClient = {
        request: (req) => {
          sent.push(req);
          return api.request(req);
        },
        close: () => api.close(),
      };
      writer = new KubeRuleStatusWriter({
        api: recording,
        budget,
        apiVersion: `resource.k8s.io/${version}`,
        log: silentLogger,
      });
    });
    afterEach(async () => {
      await api.close();
      await sim.close();
    });

    it('applies the condition to the status subresource as the controller field manager', async () => {
      const rule = createRule(sim, 'evict');
      await writer.apply(rule, pending(Date.UTC(2026, 0, 1, 12, 0, 0, 123)));

      const stored = sim.store.get(RULES, '', 'evict') as unknown as {
        spec: unknown;
        status: { conditions: unknown[] };
        metadata: { managedFields: Managed[] };
      };
      expect(stored.status.conditions).toEqual([
        {
          type: 'EvictionInProgress',
          status: 'True',
          reason: 'PodsPendingEviction',
          message: '1 pod needs to be evicted in 1 namespace.',
          observedGeneration: 1,
          lastTransitionTime: '2026-01-01T12:00:00Z',
        },
      ]);
      expect(stored.spec).toMatchObject({ deviceSelector: { driver: 'some-driver' } });
      expect(stored.metadata.managedFields).toContainEqual(
        expect.objectContaining({
          manager: 'device-taint-eviction-controller',
          operation: 'Apply',
          subresource: 'status',
        }),
      );
      const [req, ...others] = sim.requests.recent({ verb: 'patch' });
      expect(others).toHaveLength(0);
      expect(req).toMatchObject({ resource: 'devicetaintrules', subresource: 'status', code: 200 });
      expect(sent).toEqual([
        expect.objectContaining({
          method: 'PATCH',
          contentType: 'application/apply-patch+yaml',
          query: { fieldManager: 'device-taint-eviction-controller', force: 'true' },
          body: expect.objectContaining({
            apiVersion: `resource.k8s.io/${version}`,
            kind: 'DeviceTaintRule',
            metadata: { name: 'evict', uid: rule.uid },
          }),
        }),
      ]);
      expect(budget.taken).toBe(1);
    });

    it('replaces the condition on the next apply (list-map keyed by type)', async () => {
      const rule = createRule(sim, 'evict');
      await writer.apply(rule, pending(Date.UTC(2026, 0, 1)));
      await writer.apply(rule, {
        ...pending(Date.UTC(2026, 0, 1, 0, 0, 10)),
        status: 'False',
        reason: 'Completed',
        message: '1 pod evicted since starting the controller.',
      });
      const stored = sim.store.get(RULES, '', 'evict') as unknown as {
        status: { conditions: { reason: string; lastTransitionTime: string }[] };
      };
      expect(stored.status.conditions).toHaveLength(1);
      expect(stored.status.conditions[0]).toMatchObject({
        reason: 'Completed',
        lastTransitionTime: '2026-01-01T00:00:10Z',
      });
    });

    it('never writes to a same-name replacement rule and resolves when the rule is gone', async () => {
      const old = createRule(sim, 'evict');
      sim.store.delete(RULES, '', 'evict', {});
      await expect(writer.apply(old, pending(Date.UTC(2026, 0, 1)))).resolves.toBeUndefined();
      createRule(sim, 'evict');
      await expect(writer.apply(old, pending(Date.UTC(2026, 0, 1)))).resolves.toBeUndefined();
      const replacement = sim.store.get(RULES, '', 'evict') as { status?: { conditions?: unknown[] } };
      expect(replacement.status?.conditions ?? []).toEqual([]);
      expect(sim.requests.recent({ verb: 'patch' }).map((r) => r.code)).toEqual([404, 422]);
    });

    it('rejects on server errors so the caller can retry', async () => {
      const rule = createRule(sim, 'evict');
      sim.setFaults({ verbs: { patch: { errorRate: 1, code: 503, retryAfterSeconds: 1 } } });
      const err = await writer.apply(rule, pending(0)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiError);
      expect(err).toMatchObject({ code: 503, retryAfterSeconds: 1 });
    });
  });
}

describe('KubeRuleStatusWriter configuration', () => {
  it('rejects an apiVersion without a group', () => {
    expect(
      () =>
        new KubeRuleStatusWriter({
          api: { request: () => Promise.reject(new Error('unused')), close: () => Promise.resolve() },
          budget: new CountingBudget(),
          apiVersion: 'v1',
          log: silentLogger,
        }),
    ).toThrow(/apiVersion/);
  });
});
