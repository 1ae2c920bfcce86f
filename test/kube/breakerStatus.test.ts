// `breaker status`: what an operator reads — the state, why, what is held, and the two ways to reset.

import { describe, expect, it } from 'vitest';
import type { BreakerRecord } from '../../src/kube/breakerRecord.js';
import { statusOutput, statusText } from '../../src/kube/breakerStatus.js';

const openedAt = Date.UTC(2026, 11, 5, 12, 0, 0);
const open: BreakerRecord = {
  state: 'open',
  openedAt,
  reason: 'starting one more eviction would exceed 50 evictions in 600 s',
  heldPods: 950,
  causes: ['rule runaway (all devices, taint example.com/drain:NoExecute): 950 pods'],
  heldPodNames: ['team-a/train-0', 'team-a/train-1'],
  resetAt: null,
  resetBy: '',
};

describe('breaker status', () => {
  it('shows an open breaker with its cause, held pods and both reset commands', () => {
    const out = statusOutput('dte/device-taint-evictor-breaker', open);
    expect(out).toMatchObject({ state: 'open', heldPods: 950, openedAt: '2026-12-05T12:00:00.000Z' });
    const text = statusText(out, openedAt + 5 * 60_000);
    expect(text).toContain('Breaker dte/device-taint-evictor-breaker: OPEN since 2026-12-05T12:00:00.000Z (5m ago)');
    expect(text).toContain('Held:      950 due evictions');
    expect(text).toContain('  rule runaway (all devices, taint example.com/drain:NoExecute): 950 pods');
    expect(text).toContain('Held pods (first 2):\n  team-a/train-0\n  team-a/train-1');
    expect(text).toContain('device-taint-evictor breaker reset --namespace dte\n');
    expect(text).toContain(
      `kubectl -n dte patch configmap device-taint-evictor-breaker --type merge -p '{"data":{"state":"closed"}}'`,
    );
  });

  it('names a non-default ConfigMap in the reset command', () => {
    const text = statusText(statusOutput('dte/other', open), openedAt);
    expect(text).toContain('breaker reset --namespace dte --name other');
  });

  it('shows a closed breaker with its last reset, and one that never opened', () => {
    const closed = statusOutput('dte/b', { ...open, state: 'closed', resetAt: openedAt + 60_000, resetBy: 'alice' });
    expect(closed).toMatchObject({ state: 'closed', heldPods: 0, causes: [], heldPodNames: [] });
    expect(statusText(closed, openedAt + 61_000)).toBe('Breaker dte/b: CLOSED (reset 1s ago by alice)\n');
    expect(statusText(statusOutput('dte/b', null))).toBe('Breaker dte/b: CLOSED (it has never opened)\n');
  });
});
