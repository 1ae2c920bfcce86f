// Cleanup after a load run: everything carrying the run's label goes, found by listing rather than from
// memory; one kind failing does not keep the others; the rule only where rules are served; the
// namespace only when asked.

import { describe, expect, it } from 'vitest';
import { cleanupRun } from '../../src/load/cleanup.js';
import type { ListResult, LoadCluster } from '../../src/load/cluster.js';
import { runSelector } from '../../src/load/manifests.js';
import { ruleName } from '../../src/load/storms/clusterRule.js';
import { RecordingLogger } from '../../src/shared/logger.js';

const list = (...names: string[]): ListResult => ({
  items: names.map((name) => ({ metadata: { name } })),
  resourceVersion: '1',
});

function fakeCluster(opts: { rules: boolean; failPods?: boolean }) {
  const deleted: string[] = [];
  const selectors: (string | undefined)[] = [];
  const listed = (selector: string | undefined, result: ListResult): ListResult => {
    selectors.push(selector);
    return result;
  };
  const cluster = {
    ruleVersion: async () => (opts.rules ? 'v1' : null),
    deleteRule: async (name: string) => void deleted.push(`rule ${name}`),
    listPods: async (_ns: string, selector?: string) => {
      selectors.push(selector);
      if (opts.failPods === true) throw new Error('forbidden');
      return list('p1', 'p2');
    },
    deletePod: async (ns: string, name: string) => void deleted.push(`pod ${ns}/${name}`),
    listClaims: async (_ns: string, selector?: string) => listed(selector, list('c1')),
    deleteClaim: async (ns: string, name: string) => void deleted.push(`claim ${ns}/${name}`),
    listSlices: async (selector?: string) => listed(selector, list('s1')),
    deleteSlice: async (name: string) => void deleted.push(`slice ${name}`),
    listNodes: async (selector?: string) => listed(selector, list('n1')),
    deleteNode: async (name: string) => void deleted.push(`node ${name}`),
    deleteNamespace: async (name: string) => void deleted.push(`namespace ${name}`),
  } as Partial<LoadCluster> as LoadCluster;
  return { cluster, deleted, selectors };
}

describe('cleanupRun', () => {
  it('deletes what carries the run label, kind by kind, and the namespace when asked', async () => {
    const { cluster, deleted, selectors } = fakeCluster({ rules: true });
    const log = new RecordingLogger();
    await cleanupRun(cluster, { runId: 'r1', namespace: 'load' }, { deleteNamespace: true, concurrency: 2, log });
    expect(deleted).toEqual([
      `rule ${ruleName('r1')}`,
      'pod load/p1',
      'pod load/p2',
      'claim load/c1',
      'slice s1',
      'node n1',
      'namespace load',
    ]);
    expect(new Set(selectors)).toEqual(new Set([runSelector('r1')]));
    expect(log.lines).toEqual([]);
  });

  it('goes on past a failing kind, skips the rule where none is served, keeps the namespace', async () => {
    const { cluster, deleted } = fakeCluster({ rules: false, failPods: true });
    const log = new RecordingLogger();
    await cleanupRun(cluster, { runId: 'r1', namespace: 'default' }, { deleteNamespace: false, concurrency: 2, log });
    expect(deleted).toEqual(['claim default/c1', 'slice s1', 'node n1']);
    expect(log.lines.map((l) => l.msg)).toEqual(['load cleanup: could not delete pods']);
  });
});
