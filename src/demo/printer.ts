// What the demo shows: one line per happening, stamped with the time since the demo started (`+12.3s`),
// so the story reads the same on a terminal and in a CI log. Colour only on a terminal that wants it
// (NO_COLOR / FORCE_COLOR as everywhere else); CI logs get plain text.

export type Tone = 'plain' | 'act' | 'good' | 'bad' | 'dim' | 'warn';

export interface StoryPrinter {
  /** One stamped line. */
  line(text: string, tone?: Tone): void;
  /** An unstamped block (the summary table), printed as is. */
  block(text: string): void;
}

const ANSI: Readonly<Record<Tone, readonly [string, string]>> = {
  plain: ['', ''],
  act: ['\u001b[1m', '\u001b[22m'],
  good: ['\u001b[32m', '\u001b[39m'],
  bad: ['\u001b[31m', '\u001b[39m'],
  dim: ['\u001b[2m', '\u001b[22m'],
  warn: ['\u001b[33m', '\u001b[39m'],
};

/** `+0.0s` … `+59.9s`: tenths are enough to see a 5 s grace period play out. */
export const elapsedStamp = (elapsedMs: number): string => `+${(Math.max(0, elapsedMs) / 1000).toFixed(1)}s`;

export interface PrinterOptions {
  readonly write: (text: string) => void;
  readonly color: boolean;
  /** Wall-clock ms when the story started. */
  readonly startedAt: number;
  readonly now?: () => number;
}

export class TimestampedPrinter implements StoryPrinter {
  private readonly now: () => number;

  constructor(private readonly options: PrinterOptions) {
    this.now = options.now ?? Date.now;
  }

  line(text: string, tone: Tone = 'plain'): void {
    if (text === '') {
      this.options.write('\n');
      return;
    }
    const stamp = elapsedStamp(this.now() - this.options.startedAt).padStart(7);
    const [open, close] = this.options.color ? ANSI[tone] : ANSI.plain;
    const dimStamp = this.options.color ? `${ANSI.dim[0]}${stamp}${ANSI.dim[1]}` : stamp;
    this.options.write(`${dimStamp}  ${open}${text}${close}\n`);
  }

  block(text: string): void {
    this.options.write(text.endsWith('\n') ? text : `${text}\n`);
  }
}

/** Colour when writing to a terminal, unless NO_COLOR says otherwise; FORCE_COLOR forces it. */
export function wantsColor(stream: { readonly isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

/** Keeps every line (without colour) for tests and the report. */
export class RecordingPrinter implements StoryPrinter {
  readonly lines: string[] = [];
  line(text: string): void {
    this.lines.push(text);
  }
  block(text: string): void {
    this.lines.push(...text.replace(/\n$/, '').split('\n'));
  }
}
