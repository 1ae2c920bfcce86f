// The one seeded PRNG of this project (mulberry32), so every run that draws randomness — the load
// generator's choice of tolerating pods, lost nodes and rolled devices, the simulated cluster's seeding
// and fault injection, the fake executor's failures — is reproducible from its seed, and a report can
// be compared with the next one. Tiny, fast and good enough to pick test subjects; not for secrets.

const GOLDEN_GAMMA = 0x6d2b79f5;

/** mulberry32's output function: a 32-bit state, already advanced, to a float in [0, 1). */
function output(state: number): number {
  let t = Math.imul(state ^ (state >>> 15), state | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** A generator of floats in [0, 1), the same sequence for the same seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + GOLDEN_GAMMA) >>> 0;
    return output(state);
  };
}

/**
 * The first draw of `seededRandom(seed)`, without keeping a generator: for a roll that must be a pure
 * function of its inputs (hash them into `seed`).
 */
export function randomOf(seed: number): number {
  return output(((seed >>> 0) + GOLDEN_GAMMA) >>> 0);
}

/** Fisher–Yates shuffle into a new array. */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = out[i] as T;
    out[i] = out[j] as T;
    out[j] = tmp;
  }
  return out;
}
