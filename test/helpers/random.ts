/** Seeded randomness for the tests, stress runs and benchmarks: the same seed, the same run. */

/** A seeded generator (mulberry32): the same seed gives the same numbers. */
export function makeRng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A whole number from min to max, both included. */
export function randomInt(rng: () => number, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

/** One element of a non-empty list, at random. */
export function pick<T>(rng: () => number, list: readonly T[]): T {
  return list[randomInt(rng, 0, list.length - 1)]!;
}

/** A random transaction id of 16 hexadecimal digits, as `bank atm` makes them (§5.5). */
export function randomTxnId(rng: () => number): string {
  let id = '';
  for (let i = 0; i < 16; i++) id += randomInt(rng, 0, 15).toString(16);
  return id;
}
