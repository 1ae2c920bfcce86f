// Progress of a run's phases: cli-progress bars on a terminal, one plain line per phase step otherwise
// (CI logs and pipes must not fill up with carriage-return redraws).

import cliProgress from 'cli-progress';
import type { ProgressMode } from './options.js';

export interface ProgressPhase {
  /** Sets the phase's current count (monotonic; lower values are ignored). */
  update(value: number, total?: number): void;
  done(): void;
}

export interface Progress {
  phase(name: string, total: number): ProgressPhase;
  stop(): void;
}

export interface ProgressOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

const noopPhase: ProgressPhase = { update() {}, done() {} };
export const silentProgress: Progress = { phase: () => noopPhase, stop() {} };

/** Plain lines at most every `intervalMs` per phase, plus its last line. */
export class LineProgress implements Progress {
  constructor(
    private readonly out: ProgressOutput,
    private readonly intervalMs = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  phase(name: string, initialTotal: number): ProgressPhase {
    let value = 0;
    let total = initialTotal;
    let lastLine = Number.NEGATIVE_INFINITY;
    let lastPrinted = '';
    let finished = false;
    const line = () => {
      lastLine = this.now();
      const text = `${name}: ${value}/${total}\n`;
      if (text === lastPrinted) return;
      lastPrinted = text;
      this.out.write(text);
    };
    return {
      update: (next, nextTotal) => {
        if (finished) return;
        if (nextTotal !== undefined) total = nextTotal;
        if (next <= value) return;
        value = next;
        if (this.now() - lastLine >= this.intervalMs) line();
      },
      done: () => {
        if (finished) return;
        finished = true;
        line();
      },
    };
  }

  stop(): void {}
}

export class BarProgress implements Progress {
  private readonly bars: cliProgress.MultiBar;
  private stopped = false;

  constructor(stream: NodeJS.WritableStream) {
    this.bars = new cliProgress.MultiBar(
      {
        stream,
        format: '{phase} [{bar}] {value}/{total} | {duration_formatted}',
        hideCursor: true,
        clearOnComplete: false,
        stopOnComplete: false,
        autopadding: true,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  phase(name: string, initialTotal: number): ProgressPhase {
    const bar = this.bars.create(initialTotal, 0, { phase: name.padEnd(10) });
    let value = 0;
    return {
      update: (next, total) => {
        if (total !== undefined) bar.setTotal(total);
        if (next <= value) return;
        value = next;
        bar.update(value);
      },
      done: () => bar.stop(),
    };
  }

  stop(): void {
    // MultiBar.stop redraws every bar; a second call would print them all again.
    if (this.stopped) return;
    this.stopped = true;
    this.bars.stop();
  }
}

export function createProgress(mode: ProgressMode, out: NodeJS.WriteStream = process.stdout): Progress {
  if (mode === 'off') return silentProgress;
  if (mode === 'bars' || (mode === 'auto' && out.isTTY === true)) return new BarProgress(out);
  return new LineProgress(out);
}
