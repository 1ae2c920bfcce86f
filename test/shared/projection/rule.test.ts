// projectRule: selector (absent vs empty), taint, conditions; removed v1alpha3 selectors are malformed.

import { describe, expect, it } from 'vitest';
import { projectRule } from '../../../src/shared/projection/rule.js';
import { err, ok, rule, T0_MS } from './fixtures.js';

describe('projectRule', () => {
  it.each(['resource.k8s.io/v1', 'resource.k8s.io/v1beta2', 'resource.k8s.io/v1alpha3'])('reads %s', (apiVersion) => {
    expect(ok(projectRule(rule(apiVersion, { driver: 'some-driver', pool: 'worker', device: 'instance' })))).toEqual({
      name: 'evict',
      uid: 'r-1',
      resourceVersion: '11',
      generation: 2,
      selector: { driver: 'some-driver', pool: 'worker', device: 'instance' },
      taint: { key: 'example.com/taint', value: 'something', effect: 'NoExecute', timeAdded: T0_MS },
      conditions: [
        {
          type: 'EvictionInProgress',
          status: 'True',
          reason: 'PodsPendingEviction',
          message: '1 pod needs to be evicted in 1 namespace.',
          observedGeneration: 2,
          lastTransitionTime: T0_MS,
        },
      ],
      startLimit: null,
    });
  });

  it.each([
    ['10', { perMinute: 10, invalid: null }],
    [' 0.5 ', { perMinute: 0.5, invalid: null }],
    // Someone wrote a brake: an unreadable one is the most cautious, never none.
    ['ten', { perMinute: 1, invalid: 'ten' }],
    ['0', { perMinute: 1, invalid: '0' }],
    ['-5', { perMinute: 1, invalid: '-5' }],
    ['', { perMinute: 1, invalid: '' }],
  ])('reads the max-evictions-per-minute annotation %j', (value, expected) => {
    const r = rule('resource.k8s.io/v1', {}) as { metadata: Record<string, unknown> };
    r.metadata.annotations = { 'device-taint-evictor.io/max-evictions-per-minute': value, other: 'x' };
    expect(ok(projectRule(r)).startLimit).toEqual(expected);
  });

  it('keeps absent (null) and empty ({}) selectors apart', () => {
    expect(ok(projectRule(rule('resource.k8s.io/v1'))).selector).toBeNull();
    expect(ok(projectRule(rule('resource.k8s.io/v1', null))).selector).toBeNull();
    expect(ok(projectRule(rule('resource.k8s.io/v1', {}))).selector).toEqual({});
    // Empty strings are "unset" fields, not constraints that match nothing.
    expect(ok(projectRule(rule('resource.k8s.io/v1', { driver: '', pool: 'p' }))).selector).toEqual({ pool: 'p' });
  });

  it('rejects selectors it cannot evaluate (1.33 CEL / DeviceClass) instead of widening them', () => {
    expect(
      err(projectRule(rule('resource.k8s.io/v1alpha3', { selectors: [{ cel: { expression: 'true' } }] }))).error,
    ).toMatch(/CEL selectors are not supported/);
    expect(err(projectRule(rule('resource.k8s.io/v1alpha3', { deviceClassName: 'gpu' }))).error).toMatch(/DeviceClass/);
  });

  it('a rule without taint is malformed', () => {
    const r = rule('resource.k8s.io/v1', {}) as { spec: Record<string, unknown> };
    delete r.spec.taint;
    expect(err(projectRule(r))).toMatchObject({ error: '$.spec.taint: expected object, got undefined', key: 'evict' });
  });
});
