// `--config <file>`: a YAML map whose keys are the long flag names of the command (`kube-api-qps: 50`,
// `leader-elect: true`, `feature-gates: {DRAWorkloadResourceClaims: true}`). Each value goes through
// the same parser as the flag, so the file is checked exactly like the command line; a flag given on
// the command line wins over the file, and the file wins over the defaults.

import { readFileSync } from 'node:fs';
import type { Command, Option } from 'commander';
import { parse } from 'yaml';
import { UsageError } from './parseFlags.js';

/** A YAML scalar or map as the command-line text the flag's parser expects. */
function asFlagText(key: string, value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'object' && value !== null && !Array.isArray(value))
    // A map (feature gates): Name=value pairs.
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(',');
  throw new UsageError(`config key "${key}": expected a string, number, boolean or map`);
}

export function applyConfigFile(command: Command, file: string): void {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--config ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    throw new UsageError(`--config ${file}: not YAML: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (doc === null || doc === undefined) return;
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new UsageError(`--config ${file}: expected a map of flags`);
  const byName = new Map<string, Option>();
  for (const option of command.options) if (option.long !== undefined) byName.set(option.long.slice(2), option);
  for (const [key, value] of Object.entries(doc as Record<string, unknown>)) {
    const option = byName.get(key);
    if (option === undefined || key === 'config')
      throw new UsageError(`--config ${file}: unknown key "${key}" (keys are the long flag names of the command)`);
    const attribute = option.attributeName();
    // The command line wins.
    if (command.getOptionValueSource(attribute) === 'cli') continue;
    let parsed: unknown;
    if (option.isBoolean()) {
      if (typeof value !== 'boolean') throw new UsageError(`--config ${file}: "${key}" must be true or false`);
      parsed = value;
    } else {
      const text = asFlagText(key, value);
      try {
        parsed = option.parseArg === undefined ? text : option.parseArg(text, undefined);
      } catch (error) {
        throw new UsageError(`--config ${file}: "${key}": ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    command.setOptionValueWithSource(attribute, parsed, 'config');
  }
}
