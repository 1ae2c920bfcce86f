// projectDeviceClass: identity only.

import { describe, expect, it } from 'vitest';
import { projectDeviceClass } from '../../../src/shared/projection/deviceClass.js';
import { ok } from './fixtures.js';

describe('DeviceClasses', () => {
  it('device classes keep identity only', () => {
    expect(
      ok(projectDeviceClass({ metadata: { name: 'gpu', uid: 'dc', resourceVersion: '1' }, spec: { selectors: [] } })),
    ).toEqual({
      name: 'gpu',
      uid: 'dc',
      resourceVersion: '1',
    });
  });
});
