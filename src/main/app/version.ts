// The package version, read once from package.json (two levels above this file both in src/ and dist/),
// for --version, the startup line and the User-Agent every request carries.

import { readFileSync } from 'node:fs';

function readVersion(): string {
  try {
    const pkg: unknown = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
    const version = typeof pkg === 'object' && pkg !== null ? (pkg as { version?: unknown }).version : undefined;
    return typeof version === 'string' ? version : '0.0.0-unknown';
  } catch {
    return '0.0.0-unknown';
  }
}

export const VERSION = readVersion();

/**
 * `device-taint-evictor/<version> (<instance>)`, like client-go's `<binary>/<version> (<os>/<arch>) …`:
 * the instance (leader identity) lets an API server's audit log, and our tests, tell replicas apart.
 */
export const userAgent = (instance: string): string => `device-taint-evictor/${VERSION} (${instance})`;
