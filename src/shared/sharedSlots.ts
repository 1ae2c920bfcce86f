// One bound on evictions in flight for the whole process, shared by every worker thread:
// `--concurrent-device-taint-eviction-syncs` is one number in kube-controller-manager (its workqueue
// has N workers), so N here is N across all partitions, not N per worker.
//
// A counting semaphore in one Int32 of a SharedArrayBuffer: `tryAcquire` is a compare-and-swap loop,
// `release` decrements and wakes waiters. A thread that found no free slot asks to be told when one
// frees (`whenFree`, Atomics.waitAsync): it never spins and never blocks its event loop.
//
// `release` calls Atomics.notify only when a thread waits: with waitAsync waiters registered, a notify
// costs tens of microseconds (it queues a task on the waiting isolate), and most releases have nobody to
// wake. A waiter counts itself in WAITERS before it reads IN_USE; a release decrements IN_USE before it
// reads WAITERS. Both sequentially consistent: a release that reads no waiter happened before the
// waiter's read of IN_USE, which then sees the freed slot (or waits on the newer value).

/** What a thread needs to join; structured-clonable (the buffer is shared, not copied). */
export interface SharedSlotsSpec {
  readonly buffer: SharedArrayBuffer;
}

const IN_USE = 0;
/** The limit lives in shared memory too, so a reconfiguration reaches every thread at once. */
const LIMIT = 1;
/** Threads waiting in `whenFree` (one Atomics.waitAsync each at most). */
const WAITERS = 2;
const BYTES = 12;

export class SharedSlots {
  private readonly state: Int32Array;
  private waiting = false;
  private readonly wakers: (() => void)[] = [];

  static createSpec(limit: number): SharedSlotsSpec {
    const spec = { buffer: new SharedArrayBuffer(BYTES) };
    new SharedSlots(spec).setLimit(limit);
    return spec;
  }

  constructor(spec: SharedSlotsSpec) {
    if (!(spec.buffer instanceof SharedArrayBuffer) || spec.buffer.byteLength < BYTES)
      throw new TypeError(`SharedSlots needs a SharedArrayBuffer of at least ${BYTES} bytes`);
    this.state = new Int32Array(spec.buffer, 0, 3);
  }

  get limit(): number {
    return Atomics.load(this.state, LIMIT);
  }

  /** Changes the bound for every thread; a raise wakes the waiters, a cut lets runs in flight finish. */
  setLimit(limit: number): void {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`slot limit must be an integer ≥ 1, got ${limit}`);
    Atomics.store(this.state, LIMIT, limit);
    Atomics.notify(this.state, IN_USE);
  }

  /** Slots taken right now, by all threads. */
  inUse(): number {
    return Atomics.load(this.state, IN_USE);
  }

  /** Takes a slot if one is free. */
  tryAcquire(): boolean {
    for (;;) {
      const used = Atomics.load(this.state, IN_USE);
      if (used >= Atomics.load(this.state, LIMIT)) return false;
      if (Atomics.compareExchange(this.state, IN_USE, used, used + 1) === used) return true;
    }
  }

  /** Gives a slot back and wakes the threads waiting for one. */
  release(): void {
    Atomics.sub(this.state, IN_USE, 1);
    if (Atomics.load(this.state, WAITERS) > 0) Atomics.notify(this.state, IN_USE);
  }

  /**
   * Calls `wake` once a slot may have freed (the caller tries again; another thread may win it). One
   * Atomics.waitAsync per thread at a time, however many callers wait.
   */
  whenFree(wake: () => void): void {
    this.wakers.push(wake);
    if (this.waiting) return;
    this.waiting = true;
    Atomics.add(this.state, WAITERS, 1);
    const used = Atomics.load(this.state, IN_USE);
    const waited = used < Atomics.load(this.state, LIMIT) ? null : Atomics.waitAsync(this.state, IN_USE, used);
    if (waited === null || !waited.async) {
      this.stopWaiting();
      queueMicrotask(() => this.wakeAll());
      return;
    }
    void waited.value.then(() => {
      this.stopWaiting();
      this.wakeAll();
    });
  }

  private stopWaiting(): void {
    this.waiting = false;
    Atomics.sub(this.state, WAITERS, 1);
  }

  private wakeAll(): void {
    const wakers = this.wakers.splice(0);
    for (const wake of wakers) wake();
  }
}

/** The same interface without sharing: one thread, or tests. */
export const unboundedSlots = {
  tryAcquire: (): boolean => true,
  release: (): void => {},
  whenFree: (wake: () => void): void => queueMicrotask(wake),
};

export type Slots = Pick<SharedSlots, 'tryAcquire' | 'release' | 'whenFree'>;
