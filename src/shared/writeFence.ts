// The process-wide permission to write to the API server, shared by every thread through one
// SharedArrayBuffer word. With leader election the main thread moves it forward after each successful
// lease renewal to "last renewal + renew deadline"; every thread checks it right before each write.
//
// Why a deadline and not a flag: a leader that stops renewing (frozen by SIGSTOP, a stalled event
// loop, a partitioned network) cannot flip a flag, and its worker threads would go on writing. A
// deadline expires on its own: once the monotonic clock passes it, no thread of this process starts a
// write until the main thread has renewed the lease again, which is exactly client-go's promise that a
// leader stops acting when it cannot renew within the renew deadline (and the other candidates wait a
// whole lease duration, longer than that, before taking over).
//
// The clock is `process.hrtime`: monotonic (a wall-clock step cannot extend the permission) and the
// same for all threads of the process (performance.now() is per-thread).

/** What a thread needs to join the fence; structured-clonable (the buffer is shared, not copied). */
export interface WriteFenceSpec {
  readonly buffer: SharedArrayBuffer;
}

const UNTIL_SLOT = 0;
const CLOSED = 0n;
const FOREVER = BigInt(Number.MAX_SAFE_INTEGER);

/** Process-wide monotonic milliseconds (fractional), identical in every thread. */
export const monotonicNowMs = (): number => Number(process.hrtime.bigint() / 1000n) / 1000;

export class WriteFence {
  private readonly until: BigInt64Array;

  /** A new fence, closed until `openUntil`/`openForever` is called. */
  static createSpec(): WriteFenceSpec {
    return { buffer: new SharedArrayBuffer(8) };
  }

  /** A fence that is always open (no leader election): every check passes. */
  static alwaysOpen(): WriteFence {
    const fence = new WriteFence(WriteFence.createSpec());
    fence.openForever();
    return fence;
  }

  constructor(
    spec: WriteFenceSpec,
    private readonly now: () => number = monotonicNowMs,
  ) {
    if (!(spec.buffer instanceof SharedArrayBuffer) || spec.buffer.byteLength < 8)
      throw new TypeError('WriteFence needs a SharedArrayBuffer of at least 8 bytes');
    this.until = new BigInt64Array(spec.buffer, 0, 1);
  }

  /** Writes may start until monotonic time `untilMs` (see `monotonicNowMs`). Never moves backwards. */
  openUntil(untilMs: number): void {
    const next = BigInt(Math.floor(untilMs * 1000));
    for (;;) {
      const current = Atomics.load(this.until, UNTIL_SLOT);
      if (current >= next) return;
      if (Atomics.compareExchange(this.until, UNTIL_SLOT, current, next) === current) return;
    }
  }

  openForever(): void {
    Atomics.store(this.until, UNTIL_SLOT, FOREVER);
  }

  /** Revokes the permission at once (leadership lost, shutting down). */
  close(): void {
    Atomics.store(this.until, UNTIL_SLOT, CLOSED);
  }

  /** Milliseconds a write may still start in: 0 when closed or expired, Infinity when always open. */
  remainingMs(): number {
    const until = Atomics.load(this.until, UNTIL_SLOT);
    if (until === FOREVER) return Number.POSITIVE_INFINITY;
    if (until === CLOSED) return 0;
    return Math.max(0, Number(until) / 1000 - this.now());
  }

  isOpen(): boolean {
    return this.remainingMs() > 0;
  }
}

/** Thrown (and retried by the queue later) when a write is refused because the fence is closed. */
export class FenceClosedError extends Error {
  constructor(what: string) {
    super(`not writing ${what}: this process does not hold a valid leader lease`);
    this.name = 'FenceClosedError';
  }
}
