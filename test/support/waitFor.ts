// Waits on a condition instead of sleeping: polls `cond` until it holds or `timeoutMs` passes, then
// fails with the last observed state so a flaky timing shows up as a readable assertion.

export async function waitFor(
  cond: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
  describe: () => string = () => 'condition',
  pollMs = 5,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() >= deadline) throw new Error(`waitFor: timed out after ${timeoutMs} ms waiting for ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
