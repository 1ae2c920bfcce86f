// The built CLI (`node dist/cli/main.js run …`) as a child process, the way an operator runs it: its
// JSON log lines are collected so tests can wait on what the controller says it did, and every child
// is tracked so a failing test never leaves a controller running against the next test's server.

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { waitFor } from './waitFor.js';

export const cliPath = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/** One pino line; `msg` is always present (non-JSON output is kept verbatim as the message). */
export interface LogLine {
  readonly msg: string;
  readonly [field: string]: unknown;
}

export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface SpawnOptions {
  /** Arguments after `node dist/cli/main.js`. */
  readonly args: readonly string[];
  /** Added to the inherited environment (e.g. POD_NAME for a readable Lease holder). */
  readonly env?: Readonly<Record<string, string>>;
  /** Shown in timeouts, so a failure says which of two controllers misbehaved. */
  readonly label?: string;
  /** The CLI's entry script (default: this repository's dist/cli/main.js) and the working directory. */
  readonly entry?: string;
  readonly cwd?: string;
}

function parseLine(line: string): LogLine {
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed === 'object' && parsed !== null && 'msg' in parsed && typeof parsed.msg === 'string') {
      return parsed as LogLine;
    }
  } catch {
    // Not JSON: fall through and keep the raw text.
  }
  return { msg: line };
}

export class CliProcess {
  readonly logs: LogLine[] = [];
  readonly stderrLines: string[] = [];
  readonly exited: Promise<ExitStatus>;
  private status: ExitStatus | null = null;
  private readonly child: ChildProcess;
  private readonly label: string;

  constructor(options: SpawnOptions) {
    const entry = options.entry ?? cliPath;
    if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` before the e2e tests`);
    this.label = options.label ?? 'controller';
    this.child = spawn(process.execPath, [entry, ...options.args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...options.env },
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    });
    const stdout = this.child.stdout;
    const stderr = this.child.stderr;
    if (stdout === null || stderr === null) throw new Error('child stdio is not piped');
    createInterface({ input: stdout }).on('line', (line) => this.logs.push(parseLine(line)));
    createInterface({ input: stderr }).on('line', (line) => this.stderrLines.push(line));
    // 'close' (not 'exit'): by then every line of output has been read.
    this.exited = new Promise((resolve) => {
      this.child.once('close', (code, signal) => {
        this.status = { code, signal };
        resolve(this.status);
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Null while the process runs. */
  get exitStatus(): ExitStatus | null {
    return this.status;
  }

  logsWith(msg: string): LogLine[] {
    return this.logs.filter((l) => l.msg === msg);
  }

  /** Waits for the first log line (already seen or future) matching `match`. */
  async waitForLog(match: (line: LogLine) => boolean, what: string, timeoutMs = 30_000): Promise<LogLine> {
    let found: LogLine | undefined;
    await waitFor(
      () => {
        if (this.status !== null)
          throw new Error(`${this.label} exited (${JSON.stringify(this.status)}) ${this.tail()}`);
        found = this.logs.find(match);
        return found !== undefined;
      },
      timeoutMs,
      () => `${this.label}: ${what} ${this.tail()}`,
      20,
    );
    return found!;
  }

  waitForMsg(msg: string, timeoutMs = 30_000): Promise<LogLine> {
    return this.waitForLog((l) => l.msg === msg, `log "${msg}"`, timeoutMs);
  }

  /** The port of the ops server (bind it to 127.0.0.1:0 to let the OS choose). */
  async opsPort(): Promise<number> {
    const line = await this.waitForMsg('ops server listening');
    if (typeof line.port !== 'number') throw new Error(`ops server log line without a port: ${JSON.stringify(line)}`);
    return line.port;
  }

  signal(sig: NodeJS.Signals): void {
    if (this.status === null) this.child.kill(sig);
  }

  /** SIGTERM, then SIGKILL if the graceful stop does not finish within `graceMs`. */
  async stop(graceMs = 20_000): Promise<ExitStatus> {
    if (this.status !== null) return this.status;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The last few lines of output, for failure messages. */
  tail(lines = 15): string {
    const out = this.logs.slice(-lines).map((l) => JSON.stringify(l));
    const err = this.stderrLines.slice(-lines);
    return `\n--- ${this.label} stdout (last ${out.length}) ---\n${out.join('\n')}\n--- stderr ---\n${err.join('\n')}`;
  }
}

/** Every child a test file started; `stopAll()` belongs in afterEach/afterAll. */
export class CliProcesses {
  private readonly running = new Set<CliProcess>();

  constructor() {
    // A crashed test runner must not orphan controllers.
    process.once('exit', () => {
      for (const p of this.running) p.signal('SIGKILL');
    });
  }

  start(options: SpawnOptions): CliProcess {
    const p = new CliProcess(options);
    this.running.add(p);
    void p.exited.then(() => this.running.delete(p));
    return p;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.running].map((p) => p.stop(5_000)));
  }
}

/** `run` against the simulated cluster with the flags every test uses. */
export function runArgs(kubeconfig: string, extra: readonly string[] = []): string[] {
  return ['run', '--kubeconfig', kubeconfig, '--workers', '2', '--metrics-bind-address', '127.0.0.1:0', ...extra];
}

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A one-shot command of the built CLI (e.g. `breaker status`), run to its exit within `timeoutMs`. */
export function runCommand(args: readonly string[], timeoutMs = 30_000): Promise<CommandResult> {
  if (!existsSync(cliPath)) throw new Error(`${cliPath} is missing: run \`npm run build\` before the e2e tests`);
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [cliPath, ...args], { timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error !== null && typeof error.code !== 'number') {
        reject(new Error(`${args.join(' ')}: ${error.message}\n${stderr}`));
        return;
      }
      resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr });
    });
  });
}
