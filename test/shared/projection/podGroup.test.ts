// projectPodGroup: group claims resolved directly or through the generated-claim status.

import { describe, expect, it } from 'vitest';
import { projectPodGroup } from '../../../src/shared/projection/podGroup.js';
import { ok } from './fixtures.js';

describe('PodGroups', () => {
  it('resolves group claims directly or through the generated-claim status', () => {
    const g = ok(
      projectPodGroup({
        metadata: { name: 'my-podgroup', namespace: 'default', uid: '5678', resourceVersion: '3' },
        spec: {
          resourceClaims: [
            { name: 'direct', resourceClaimName: 'shared' },
            { name: 'templ', resourceClaimTemplateName: 't' },
            { name: 'pending', resourceClaimTemplateName: 't2' },
          ],
        },
        status: { resourceClaimStatuses: [{ name: 'templ', resourceClaimName: 'my-podgroup-templ-x' }] },
      }),
    );
    expect(g).toEqual({
      namespace: 'default',
      name: 'my-podgroup',
      uid: '5678',
      resourceVersion: '3',
      resourceClaims: [
        { name: 'direct', resourceClaimName: 'shared' },
        { name: 'templ', resourceClaimName: 'my-podgroup-templ-x' },
        { name: 'pending', resourceClaimName: null },
      ],
    });
  });
});
