// The blast-radius breaker's shared state: one SharedArrayBuffer every thread joins. Each worker asks it
// before starting an eviction; when starting one more would exceed the limit for the window, the
// breaker opens and no thread starts any eviction until an operator resets it (or the configured
// auto-reset does). What is due stays queued: nothing is dropped, cancellations still apply.
//
// Counting: the window is cut into 60 slots, each counting the evictions started in it; the count for
// the window is the sum of the slots whose time lies inside it. A slot is as wide as a sixtieth of the
// window, so an eviction is counted for up to one slot longer than the window: the breaker may open a
// little early, never late. Each slot is one 64-bit word, its period and its count together, updated
// by compare-and-swap: a slot turning over to a new period never loses a count. Two threads racing for
// the last allowed eviction both add their count and then both see the limit exceeded: both take it
// back and hold, so the limit is never overshot.
//
// An operator's reset is an acknowledgement: every eviction held at that moment is released, and the
// window counts afresh. So evictions due at or before the reset (`amnestyUntil`) start without being
// counted; what becomes due after it counts from zero. The auto-reset acknowledges nothing (nobody
// looked): it only empties the window, so what was held starts counted and the breaker opens again after
// another limit's worth, instead of releasing a runaway rule's whole blast at once.
//
// The main thread owns the limit (it may change with the number of pods using DRA claims), persists the
// open state in the cluster, and resets the window; workers only count, open and read.

const SLOTS = 60;

// Int32 layout.
const STATE = 0;
const LIMIT = 1;
const INT32S = 2;
// Float64 layout, after the Int32s.
const F64_OFFSET = 8;
const WINDOW_MS = 0;
const AMNESTY_UNTIL = 1;
const OPENED_AT = 2;
/** Periods are counted from here, so that they fit the 32 high bits of a slot word. */
const EPOCH = 3;
const FLOAT64S = 4;
// BigInt64 slot words (period << 32 | count), after the Float64s.
const SLOTS_OFFSET = F64_OFFSET + FLOAT64S * 8;
const BYTES = SLOTS_OFFSET + SLOTS * 8;
const COUNT_MASK = 0xffffffffn;

const CLOSED = 0;
const OPEN = 1;
/** `limit` when no breaker is configured. */
const NO_LIMIT = 0x7fffffff;

export interface EvictionBreakerSpec {
  readonly buffer: SharedArrayBuffer;
}

export type BreakerVerdict =
  /** Start it; it was counted in the window (`uncount` gives the count back if the start does nothing). */
  | 'counted'
  /** Start it, uncounted: no limit, a retry, or released by a reset. */
  | 'start'
  /** The breaker is open: hold it. */
  | 'hold'
  /** Starting it would have exceeded the limit: the breaker opened just now. Hold it. */
  | 'opened';

export class EvictionBreaker {
  private readonly ints: Int32Array;
  private readonly floats: Float64Array;
  private readonly slots: BigInt64Array;

  /** A breaker over `windowMs`, closed, with no limit until `setLimit`; periods count from `epochMs`. */
  static createSpec(windowMs: number, epochMs: number = Date.now()): EvictionBreakerSpec {
    if (!(windowMs > 0)) throw new RangeError(`breaker window must be > 0 ms, got ${windowMs}`);
    const spec = { buffer: new SharedArrayBuffer(BYTES) };
    const breaker = new EvictionBreaker(spec);
    breaker.floats[WINDOW_MS] = windowMs;
    breaker.floats[EPOCH] = epochMs - windowMs;
    Atomics.store(breaker.ints, LIMIT, NO_LIMIT);
    return spec;
  }

  constructor(spec: EvictionBreakerSpec) {
    if (!(spec.buffer instanceof SharedArrayBuffer) || spec.buffer.byteLength < BYTES)
      throw new TypeError('EvictionBreaker needs its SharedArrayBuffer');
    this.ints = new Int32Array(spec.buffer, 0, INT32S);
    this.floats = new Float64Array(spec.buffer, F64_OFFSET, FLOAT64S);
    this.slots = new BigInt64Array(spec.buffer, SLOTS_OFFSET, SLOTS);
  }

  get windowMs(): number {
    return this.floats[WINDOW_MS] ?? 0;
  }

  /** Evictions allowed to start within one window; `null` = no limit. */
  get limit(): number | null {
    const limit = Atomics.load(this.ints, LIMIT);
    return limit === NO_LIMIT ? null : limit;
  }

  /** Sets the limit (main thread): the configured count, or the percentage of pods using claims. */
  setLimit(limit: number | null): void {
    Atomics.store(this.ints, LIMIT, limit === null ? NO_LIMIT : Math.max(0, Math.floor(limit)));
  }

  isOpen(): boolean {
    return Atomics.load(this.ints, STATE) === OPEN;
  }

  /** When the breaker opened (ms since epoch), or null while closed. */
  openedAt(): number | null {
    return this.isOpen() ? (this.floats[OPENED_AT] ?? null) : null;
  }

  /** Evictions counted in the window ending at `now`. */
  countAt(now: number): number {
    const current = this.periodAt(now);
    let count = 0;
    for (let i = 0; i < SLOTS; i++) {
      const word = Atomics.load(this.slots, i);
      const period = Number(word >> 32n);
      // The current period and the SLOTS − 1 before it cover the window (and up to one slot more).
      if (period <= current && period > current - SLOTS) count += Number(word & COUNT_MASK);
    }
    return count;
  }

  /**
   * The verdict for an eviction due since `dueSince` that would start at `now`: counts it when it may
   * start. `dueSince` is the later of its fire time and when its queue learned of it, so that a
   * reset's amnesty covers only what was known and due before it (a taint's timeAdded has whole
   * seconds: a fire time alone may predate the reset by up to a second for a taint added after it).
   * Only the thread that flips the state gets 'opened' (it reports the opening to the main thread).
   * `count` false: a retry of an eviction counted when it first started — held while open, never
   * counted twice.
   */
  tryStart(now: number, dueSince: number, count = true): BreakerVerdict {
    if (this.isOpen()) return 'hold';
    if (!count) return 'start';
    if (dueSince <= (this.floats[AMNESTY_UNTIL] ?? Number.NEGATIVE_INFINITY)) return 'start';
    const limit = Atomics.load(this.ints, LIMIT);
    if (limit === NO_LIMIT) return 'start';
    const period = this.periodAt(now);
    this.addToSlot(period, 1);
    if (this.countAt(now) <= limit) return 'counted';
    this.addToSlot(period, -1);
    return this.open(now) ? 'opened' : 'hold';
  }

  /**
   * Takes back the count of a start at `startedAt` that turned out to do nothing (its intent was stale
   * before its first write): only evictions that act are counted. A no-op once that slot turned over
   * or a reset cleared the window.
   */
  uncount(startedAt: number): void {
    this.addToSlot(this.periodAt(startedAt), -1);
  }

  /** Opens the breaker (a worker at the limit, or the main thread restoring a persisted state). */
  open(now: number): boolean {
    if (Atomics.compareExchange(this.ints, STATE, CLOSED, OPEN) !== CLOSED) return false;
    this.floats[OPENED_AT] = now;
    return true;
  }

  /**
   * Closes it (main thread) with an empty window. `acknowledged` (an operator's reset): every eviction
   * due at or before `now` is also released uncounted. Otherwise (the auto-reset) what was held counts
   * in the fresh window like anything else.
   */
  reset(now: number, acknowledged: boolean): void {
    if (acknowledged) this.floats[AMNESTY_UNTIL] = now;
    for (let i = 0; i < SLOTS; i++) Atomics.store(this.slots, i, 0n);
    Atomics.store(this.ints, STATE, CLOSED);
  }

  /** The slot period of `now`, counted from the epoch. */
  private periodAt(now: number): number {
    return Math.max(0, Math.floor((now - (this.floats[EPOCH] ?? 0)) / (this.windowMs / SLOTS)));
  }

  /** Adds `delta` to the slot of `period`, turning the slot over to that period first if it held an older one. */
  private addToSlot(period: number, delta: number): void {
    const i = period % SLOTS;
    for (;;) {
      const word = Atomics.load(this.slots, i);
      const held = Number(word >> 32n);
      let count = held === period ? Number(word & COUNT_MASK) : 0;
      // Taking back a count of a slot that turned over meanwhile: nothing of ours is left there.
      if (held !== period && delta < 0) return;
      count = Math.max(0, count + delta);
      const next = (BigInt(period) << 32n) | BigInt(count);
      if (Atomics.compareExchange(this.slots, i, word, next) === word) return;
    }
  }
}
