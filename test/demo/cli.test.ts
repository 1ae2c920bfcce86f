// `device-taint-evictor demo` as the CLI registers it: help text and flag validation, run as a child
// process from the TypeScript sources (the story itself runs in demo.test.ts).

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const repo = fileURLToPath(new URL('../..', import.meta.url));

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', ...args],
      { cwd: repo, timeout: 30_000, env: { ...process.env, NO_COLOR: '1' } },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

// Concurrent: each test is one child process spending most of its time loading TypeScript.
describe.concurrent('demo command line', () => {
  test('is registered with its options', async () => {
    const { code, stdout } = await cli('demo', '--help');
    expect(code).toBe(0);
    // Commander wraps long descriptions to the terminal width.
    expect(stdout.replace(/\s+/g, ' ')).toContain('never touches a real cluster');
    for (const flag of [
      '--workers <n>',
      '--toleration-seconds <s>',
      '--pause <s>',
      '--timeout-scale <factor>',
      '--verbose',
    ]) {
      expect(stdout).toContain(flag);
    }
  });

  test('rejects a bad flag with one readable line before starting anything', async () => {
    const { code, stdout, stderr } = await cli('demo', '--workers', '0');
    expect(code).not.toBe(0);
    expect(stderr).toContain('--workers: expected a whole number from 1 to 16, got "0"');
    expect(stdout).not.toContain('simulated API server');
  });
});
