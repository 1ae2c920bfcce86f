// `device-taint-evictor load`: the CLI face of runLoad. The exit code tells a CI job what happened
// (src/shared/exitCodes.ts): 0 clean, 1 the run could not be carried out, 2 a usage error, 3 wrongful
// evictions, 4 missed evictions or timeout. The generator itself is imported only when the command runs.

import type { Command } from 'commander';
import { Option } from 'commander';
import { EXIT } from '../shared/exitCodes.js';
import type { LogFields, Logger } from '../shared/logger.js';
import { LOAD_OPTION_DEFINITIONS } from './optionDefinitions.js';
import type { LoadOptions } from './options.js';
import type { LoadSummary } from './report.js';
import type { RunLoadDeps } from './runLoad.js';

export const LOAD_EXIT = {
  ok: EXIT.ok,
  failed: EXIT.failure,
  wrongful: EXIT.wrongful,
  incomplete: EXIT.incomplete,
} as const;

export function loadExitCode(summary: LoadSummary): number {
  if (summary.evictions.wrongful > 0) return LOAD_EXIT.wrongful;
  if (summary.timedOut || summary.evictions.missed > 0) return LOAD_EXIT.incomplete;
  return LOAD_EXIT.ok;
}

/** One plain line per message on stderr, so stdout stays the progress display and the summary table. */
export function stderrLogger(write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const line =
    (level: string) =>
    (msg: string, fields: LogFields = {}) => {
      const extra = Object.entries(fields)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ');
      write(`${level} ${msg}${extra === '' ? '' : ` ${extra}`}\n`);
    };
  return { debug: () => {}, info: line('info'), warn: line('warn'), error: line('error') };
}

/** `deps` is for tests and embedding (output sinks, logger); the CLI passes none. */
export function registerLoadCommand(program: Command, deps: RunLoadDeps = {}): Command {
  const command = program
    .command('load')
    .description(
      'create pods with DRA claims, run a taint storm, and report evictions, wrongful evictions, latency and API calls',
    );
  for (const def of LOAD_OPTION_DEFINITIONS) command.addOption(new Option(def.flags, def.description));
  command.action(async (raw: Record<string, unknown>) => {
    const log = deps.log ?? stderrLogger();
    // The schema (zod) is loaded only when this command runs.
    const { LoadOptionsError, parseLoadOptions } = await import('./options.js');
    let options: LoadOptions;
    try {
      options = parseLoadOptions(raw);
    } catch (err) {
      if (!(err instanceof LoadOptionsError)) throw err;
      process.stderr.write(`device-taint-evictor load: ${err.message} (see --help)\n`);
      process.exitCode = EXIT.usage;
      return;
    }
    try {
      const { runLoad } = await import('./runLoad.js');
      const summary = await runLoad(options, { ...deps, log });
      process.exitCode = loadExitCode(summary);
    } catch (err) {
      // Configuration and cluster problems are one readable line, not a stack trace.
      log.error(`load: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = LOAD_EXIT.failed;
    }
  });
  return command;
}
