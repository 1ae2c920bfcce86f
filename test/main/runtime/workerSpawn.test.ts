// Shard workers start from the compiled entry in a build and from the tsx shim when running from
// TypeScript sources; both files exist where the URL says.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { workerEntryUrl } from '../../../src/main/runtime/workerSpawn.js';

describe('workerEntryUrl', () => {
  it('points a build at dist/workers/workerMain.js and sources at the .mjs shim', () => {
    expect(workerEntryUrl('file:///app/dist/main/runtime/workerSpawn.js').href).toBe(
      'file:///app/dist/workers/workerMain.js',
    );
    expect(workerEntryUrl('file:///repo/src/main/runtime/workerSpawn.ts').href).toBe(
      'file:///repo/src/workers/workerShim.mjs',
    );
    expect(existsSync(fileURLToPath(workerEntryUrl()))).toBe(true);
  });
});
