import { describe, expect, test } from 'vitest';
import { stampRule, stampSlice } from '../../src/shared/timeAdded.js';
import type { DeviceTaint, RuleRecord, SliceRecord } from '../../src/shared/types.js';
import { deviceTaint, ruleRecord, sliceRecord } from '../support/records.js';

const taint = (effect: string, timeAdded: number | null, value = 'v'): DeviceTaint =>
  deviceTaint({ key: 'k', value, effect, timeAdded });
const slice = (...taints: DeviceTaint[]): SliceRecord =>
  sliceRecord({ name: 's', uid: 'u', driver: 'd', pool: 'p', nodeName: 'n', devices: [{ name: 'dev', taints }] });

describe('stamping a missing timeAdded', () => {
  test('slices: NoExecute taints get "first seen"; objects without gaps are returned as is', () => {
    const complete = slice(taint('NoExecute', 5));
    expect(stampSlice(complete, null, 100)).toBe(complete);
    const other = slice(taint('None', null));
    expect(stampSlice(other, null, 100)).toBe(other);
    expect(stampSlice(slice(taint('NoExecute', null)), null, 100).devices[0]?.taints[0]?.timeAdded).toBe(100);
  });

  test('slices: an unchanged taint keeps its stamp across updates; a changed one is stamped anew', () => {
    const first = stampSlice(slice(taint('NoExecute', null)), null, 100);
    expect(stampSlice(slice(taint('NoExecute', null)), first, 200).devices[0]?.taints[0]?.timeAdded).toBe(100);
    expect(stampSlice(slice(taint('NoExecute', null, 'w')), first, 200).devices[0]?.taints[0]?.timeAdded).toBe(200);
  });

  test('rules: stamped whatever the effect; an effect change restamps like the apiserver', () => {
    const rule: RuleRecord = ruleRecord({ name: 'r', uid: 'u', selector: {}, taint: taint('None', null) });
    const first = stampRule(rule, null, 100);
    expect(first.taint.timeAdded).toBe(100);
    expect(stampRule({ ...rule, resourceVersion: '2' }, first, 200).taint.timeAdded).toBe(100);
    expect(stampRule({ ...rule, taint: taint('NoExecute', null) }, first, 300).taint.timeAdded).toBe(300);
    const timed = { ...rule, taint: taint('None', 7) };
    expect(stampRule(timed, null, 100)).toBe(timed);
  });
});
