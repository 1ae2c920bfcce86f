// DeviceTaintRule device selectors (docs/behaviour.md §2.3, §6.6). Newest upstream semantics: an absent selector
// selects nothing; every set field must equal the device's; so `{}` selects every device in the
// cluster. Upstream issue #141422 asks for protection against that; we keep the semantics (a rule
// author may mean it) but let the engine detect it and log it loudly.

import type { DeviceSelector } from './types.js';

export function selectorMatchesDevice(
  selector: DeviceSelector | null,
  driver: string,
  pool: string,
  device: string,
): boolean {
  if (selector === null) return false;
  if (selector.driver !== undefined && selector.driver !== driver) return false;
  if (selector.pool !== undefined && selector.pool !== pool) return false;
  if (selector.device !== undefined && selector.device !== device) return false;
  return true;
}

/** True for the dangerous `{}` selector that matches every device (absent = `null` is harmless). */
export function selectsEverything(selector: DeviceSelector | null): boolean {
  return (
    selector !== null && selector.driver === undefined && selector.pool === undefined && selector.device === undefined
  );
}

export function selectorsEqual(a: DeviceSelector | null, b: DeviceSelector | null): boolean {
  if (a === null || b === null) return a === b;
  return a.driver === b.driver && a.pool === b.pool && a.device === b.device;
}
