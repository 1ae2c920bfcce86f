// `--feature-gates` as kube-controller-manager takes it: `Name=true,Other=false`. Operators pass the
// same list to every control-plane component, so gates this controller does not use are accepted and
// named in one warning, not rejected; a malformed entry or a gate this controller cannot run without
// being switched off is a usage error.

import { InvalidArgumentError } from 'commander';

/** The gates that change what this controller does. */
export const KNOWN_GATES = {
  /** Claims reserved for / owned by PodGroups (alias: --workload-claims). */
  DRAWorkloadResourceClaims: 'honour PodGroup-owned claims',
  /** The controller itself: switching it off here makes no sense, so `false` is refused. */
  DRADeviceTaints: 'the device taint eviction controller',
  /** DeviceTaintRules: without it the controller ignores rules and evicts for slice taints only. */
  DRADeviceTaintRules: 'DeviceTaintRules',
} as const;

export type KnownGate = keyof typeof KNOWN_GATES;

export interface FeatureGates {
  readonly known: Partial<Record<KnownGate, boolean>>;
  /** Gates of other components, ignored here. */
  readonly ignored: readonly string[];
}

export function parseFeatureGates(value: string): FeatureGates {
  const known: Partial<Record<KnownGate, boolean>> = {};
  const ignored: string[] = [];
  for (const raw of value.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const match = /^([A-Za-z0-9]+)=(true|false)$/i.exec(entry);
    if (match === null) throw new InvalidArgumentError(`expected Name=true|false entries, got "${entry}"`);
    const name = match[1] as string;
    const enabled = (match[2] as string).toLowerCase() === 'true';
    if (Object.hasOwn(KNOWN_GATES, name)) known[name as KnownGate] = enabled;
    else ignored.push(name);
  }
  if (known.DRADeviceTaints === false)
    throw new InvalidArgumentError('DRADeviceTaints=false switches this controller off: do not run it instead');
  return { known, ignored };
}
