// The version every request's User-Agent carries is package.json's, and the instance tells replicas apart.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { userAgent, VERSION } from '../../../src/main/app/version.js';

describe('version', () => {
  it('is read from package.json and named in the User-Agent with the instance', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(VERSION).toBe(pkg.version);
    expect(userAgent('host_1234')).toBe(`device-taint-evictor/${pkg.version} (host_1234)`);
  });
});
