// Parent side of bench/simChild.ts: forks the simulated API server with tsx, waits until it is seeded,
// and turns requests into promises. Writes the kubeconfig to a temp file for the controller.

import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchDir } from './harness.js';
import { isSimChildMessage, type SimChildParams, type SimRequest, type SimStats } from './simProtocol.js';

export class SimProcess {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    /** Path of a kubeconfig pointing at the sim. */
    readonly kubeconfigPath: string,
    readonly seedMs: number,
  ) {
    child.on('message', (message: unknown) => {
      if (!isSimChildMessage(message) || message.type !== 'reply') return;
      const waiter = this.waiting.get(message.id);
      if (waiter === undefined) return;
      this.waiting.delete(message.id);
      if (message.ok) waiter.resolve(message.value);
      else waiter.reject(new Error(`sim: ${message.error}`));
    });
    child.on('exit', (code) => {
      for (const w of this.waiting.values()) w.reject(new Error(`sim process exited with ${code}`));
      this.waiting.clear();
    });
  }

  static async start(params: SimChildParams, startTimeoutMs = 300_000): Promise<SimProcess> {
    const child = fork(join(benchDir, 'simChild.ts'), [], {
      execArgv: ['--import', 'tsx', '--max-old-space-size=8192'],
      env: { ...process.env, BENCH_SIM_PARAMS: JSON.stringify(params) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const ready = await new Promise<{ kubeconfigYaml: string; seedMs: number }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('sim process did not become ready')), startTimeoutMs);
      child.on('message', (message: unknown) => {
        if (isSimChildMessage(message) && message.type === 'ready') {
          clearTimeout(timer);
          resolve(message);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`sim process exited with ${code} before it was ready`));
      });
    });
    const dir = mkdtempSync(join(tmpdir(), 'bench-sim-'));
    const kubeconfigPath = join(dir, 'kubeconfig');
    writeFileSync(kubeconfigPath, ready.kubeconfigYaml);
    return new SimProcess(child, dir, kubeconfigPath, ready.seedMs);
  }

  request(request: SimRequest): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.child.send({ id, request });
    });
  }

  async stats(): Promise<SimStats> {
    return (await this.request({ op: 'stats' })) as SimStats;
  }

  /** Resolves with the child's time (ms since epoch) of the write. */
  async at(request: SimRequest): Promise<number> {
    return Number(await this.request(request));
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.disconnect();
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
