/**
 * A small seeded random source for the verdict bench's scenario generators: the same seed gives
 * the same numbers on every machine and Node version, so a confusion table can be reproduced and a
 * surprising seed replayed alone.
 */
import { seededRandom as analysisRandom } from '../../src/analysis/random.js';

/** Uniform numbers in [0, 1) and the few distributions the generators draw from. */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [low, high). */
  uniform(low: number, high: number): number;
  /** Integer uniform in [low, high] (both ends included). */
  int(low: number, high: number): number;
  /** Standard normal deviate. */
  normal(): number;
  /** True with probability p. */
  chance(p: number): boolean;
}

/** FNV-1a of a string: turns a scenario name and seed number into a 32-bit PRNG seed. */
export function hashSeed(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32, the analysis's own seeded source (src/analysis/random.ts), as a bare uniform stream. */
export function mulberry32(seed: number): () => number {
  const source = analysisRandom(seed);
  return () => source.uniform();
}

/** A `Random` seeded by a number or by a name (hashed). */
export function seededRandom(seed: number | string): Random {
  const next = mulberry32(typeof seed === 'string' ? hashSeed(seed) : seed);
  return {
    next,
    uniform: (low, high) => low + (high - low) * next(),
    int: (low, high) => low + Math.floor((high - low + 1) * next()),
    // Box–Muller; one deviate per call keeps the stream position independent of call history.
    normal: () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()),
    chance: (p) => next() < p,
  };
}
