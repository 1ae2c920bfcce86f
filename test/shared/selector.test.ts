import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { selectorMatchesDevice, selectsEverything } from '../../src/shared/selector.js';
import type { DeviceSelector } from '../../src/shared/types.js';

const names = fc.constantFrom('a', 'b', '');
const selectorArb: fc.Arbitrary<DeviceSelector | null> = fc.option(
  fc.record({ driver: names, pool: names, device: names }, { requiredKeys: [] }),
  { nil: null },
);

describe('DeviceTaintRule selectors', () => {
  test('absent selector matches nothing, {} matches everything', () => {
    expect(selectorMatchesDevice(null, 'd', 'p', 'x')).toBe(false);
    expect(selectorMatchesDevice({}, 'd', 'p', 'x')).toBe(true);
    expect(selectsEverything({})).toBe(true);
    expect(selectsEverything(null)).toBe(false);
    expect(selectsEverything({ device: 'x' })).toBe(false);
  });

  test('every set field must equal the device coordinate (AND)', () => {
    fc.assert(
      fc.property(selectorArb, names, names, names, (sel, driver, pool, device) => {
        const oracle =
          sel !== null &&
          (sel.driver === undefined || sel.driver === driver) &&
          (sel.pool === undefined || sel.pool === pool) &&
          (sel.device === undefined || sel.device === device);
        expect(selectorMatchesDevice(sel, driver, pool, device)).toBe(oracle);
      }),
    );
  });
});
