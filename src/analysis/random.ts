/**
 * A small seeded random source for the prediction interval's draws: the same rows must give the
 * same interval byte for byte, so Math.random is out. mulberry32 (a 32-bit state, period 2³²) is
 * plenty for a thousand draws; normals by Box–Muller.
 */
export interface Random {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Standard normal. */
  normal(): number;
}

export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  const uniform = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  let spare: number | null = null;
  const normal = (): number => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = uniform();
    const v = uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
  return { uniform, normal };
}

/**
 * A draw of χ²(ν)/ν by the Wilson–Hilferty cube (accurate to a few parts in a thousand for ν ≥ 3;
 * exact enough for the width of a t-based interval).
 */
export function chiSquareOverDof(random: Random, dof: number): number {
  if (!Number.isFinite(dof)) return 1;
  const c = 2 / (9 * dof);
  return Math.max(1e-6, (1 - c + random.normal() * Math.sqrt(c)) ** 3);
}
