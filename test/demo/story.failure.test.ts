// The demo must fail loudly when the controller misbehaves: here a "controller" that deletes a pod
// tolerating the taint forever and then evicts nothing. The demo has to report the wrongful eviction and
// the eviction that never came, and the command has to exit 1 with a readable message.

import { KubeConfig } from '@kubernetes/client-node';
import { expect, test } from 'vitest';
import { runDemoCommand } from '../../src/demo/command.js';
import { demoPlan } from '../../src/demo/plan.js';
import { RecordingPrinter } from '../../src/demo/printer.js';
import type { DemoController } from '../../src/demo/stage.js';
import { runDemo } from '../../src/demo/story.js';
import type { ControllerOptions } from '../../src/main/app/options.js';

const forever = demoPlan().find((p) => p.name === 'trainer-n1-g2');

async function rogueController(options: ControllerOptions): Promise<DemoController> {
  const kc = new KubeConfig();
  kc.loadFromFile(options.kubeconfig ?? '');
  const server = kc.getCurrentCluster()?.server ?? '';
  const res = await fetch(`${server}/api/v1/namespaces/${forever?.namespace}/pods/${forever?.name}`, {
    method: 'DELETE',
  });
  if (!res.ok) throw new Error(`rogue delete failed: ${res.status}`);
  let stopped: (code: number) => void = () => {};
  const done = new Promise<number>((resolve) => {
    stopped = resolve;
  });
  return {
    opsAddress: null,
    done,
    stop: async () => stopped(0),
    engine: () => null,
  };
}

test('a wrongful eviction and a missed one fail the demo', async () => {
  expect(forever?.toleration).toEqual({ kind: 'forever' });
  const printer = new RecordingPrinter();
  const report = await runDemo({ printer, timeoutScale: 0.05, startController: rogueController });
  expect(report.ok).toBe(false);
  expect(report.totals.wrongful).toBe(1);
  expect(report.pods.find((p) => p.pod.name === 'trainer-n1-g2')).toMatchObject({
    fate: 'wrongful',
    wrongful: 'evicted although it tolerates the taint forever',
  });
  // Act 1 waited for its eviction and gave up; the story stopped there.
  expect(report.acts.map((a) => [a.title, a.ok])).toEqual([['1. XID 79 on gpu-node-0001/gpu-3', false]]);
  expect(report.failures).toEqual([
    expect.stringMatching(/^team-00\/trainer-n1-g3 \(no toleration\) not evicted within/),
    'team-01/trainer-n1-g2 evicted although it tolerates the taint forever',
  ]);
  expect(printer.lines.some((l) => l.startsWith('WRONGFUL eviction of team-01/trainer-n1-g2'))).toBe(true);
  expect(printer.lines.some((l) => /^total\s+0\s+1\s/.test(l))).toBe(true);
});

test('the command turns a failed story into exit code 1 and a message on stderr', async () => {
  let stderr = '';
  const stdout = { isTTY: false, write: () => true };
  const { code } = await runDemoCommand(
    { workers: 1, tolerationSeconds: 5, pause: 0, timeoutScale: 0.05, verbose: false },
    { stdout, stderr: { write: (t: string) => (stderr += t) } },
    { startController: rogueController },
  );
  expect(code).toBe(1);
  expect(stderr).toMatch(/^device-taint-evictor demo failed:\n {2}- team-00\/trainer-n1-g3 .*not evicted within/);
});
