// pino behind the `Logger` seam, shared by every thread (the main thread, shard workers) so that all
// of them build their logger, and format its lines, the same way. JSON lines by default (what log
// pipelines ingest); `--log-format text` renders the same records as one readable line each. pino-pretty would need a transport, i.e. yet
// another worker thread per logging thread, so text is formatted in-line by a tiny destination stream.
// Writes are synchronous: shard workers may be terminated abruptly, and a lost "deleted pod" line is
// worse than the few microseconds a write costs. Works unchanged inside worker threads (fd 1 is shared).

import { type DestinationStream, type Logger as Pino, pino } from 'pino';
import type { LogFields, Logger } from './logger.js';

export type LogFormat = 'json' | 'text';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogOptions {
  readonly format?: LogFormat;
  readonly level?: LogLevel;
  /** Where lines go; defaults to stdout (fd 1). Tests pass a collector. */
  readonly destination?: DestinationStream;
  /** Fields on every line, e.g. `{ shard: 3 }` in a worker. */
  readonly bindings?: LogFields;
}

const levelNames: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

function textValue(value: unknown): string {
  if (typeof value === 'string') return /[\s="]/.test(value) || value === '' ? JSON.stringify(value) : value;
  return JSON.stringify(value) ?? String(value);
}

/** One JSON record from pino → `2026-01-01T00:00:00.000Z INFO  msg key=value …`. */
export function formatTextLine(jsonLine: string): string {
  let record: unknown;
  try {
    record = JSON.parse(jsonLine);
  } catch {
    return jsonLine.endsWith('\n') ? jsonLine : `${jsonLine}\n`;
  }
  if (typeof record !== 'object' || record === null) return `${jsonLine.trimEnd()}\n`;
  const { time, level, msg, ...fields } = record as Record<string, unknown>;
  const when = typeof time === 'string' ? time : typeof time === 'number' ? new Date(time).toISOString() : '-';
  const label = (typeof level === 'number' ? levelNames[level] : undefined) ?? String(level).toUpperCase();
  const parts = [when, label.padEnd(5), typeof msg === 'string' ? msg : ''];
  for (const [key, value] of Object.entries(fields)) parts.push(`${key}=${textValue(value)}`);
  return `${parts.join(' ')}\n`;
}

/** Rewrites each pino JSON line as text before passing it on. */
export class TextDestination implements DestinationStream {
  constructor(private readonly out: DestinationStream) {}
  write(line: string): void {
    this.out.write(formatTextLine(line));
  }
}

export class PinoLogger implements Logger {
  constructor(readonly pino: Pino) {}

  debug(msg: string, fields?: LogFields): void {
    this.pino.debug(fields ?? {}, msg);
  }
  info(msg: string, fields?: LogFields): void {
    this.pino.info(fields ?? {}, msg);
  }
  warn(msg: string, fields?: LogFields): void {
    this.pino.warn(fields ?? {}, msg);
  }
  error(msg: string, fields?: LogFields): void {
    this.pino.error(fields ?? {}, msg);
  }

  /** A logger that adds `bindings` to every line. */
  child(bindings: LogFields): PinoLogger {
    return new PinoLogger(this.pino.child(bindings));
  }

  isLevelEnabled(level: LogLevel): boolean {
    return this.pino.isLevelEnabled(level);
  }
}

export function createLogger(options: LogOptions = {}): PinoLogger {
  const out = options.destination ?? pino.destination({ dest: 1, sync: true });
  const destination = options.format === 'text' ? new TextDestination(out) : out;
  const logger = pino(
    {
      level: options.level ?? 'info',
      base: options.bindings ?? {},
      timestamp: pino.stdTimeFunctions.isoTime,
      // `"level":"info"` rather than pino's numeric 30: what people grep for.
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  return new PinoLogger(logger);
}
