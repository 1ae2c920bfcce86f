// One API budget (QPS + burst) for the whole process: every API write, from any thread, takes a token
// first. The implementation shared across worker threads is `SharedTokenBucket` (tokenBucket.ts).

export interface ApiBudget {
  /** Resolves when a token has been taken (immediately while within burst). */
  acquire(): Promise<void>;
  /** Takes a token if one is available right now. */
  tryAcquire(): boolean;
}

/** `--kube-api-qps 0`: no limit. */
export const unlimitedBudget: ApiBudget = {
  acquire: () => Promise.resolve(),
  tryAcquire: () => true,
};
