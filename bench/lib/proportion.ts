/**
 * A rate measured over seeds and how sure it is: with 500 seeds a false-leak rate of 0.6 % has a
 * 95 % interval of about 0.2–1.7 %, so "≤ 1 %" is not settled by the point estimate alone.
 */

/** Wilson score interval (95 %) for `count` successes in `trials`, as fractions. */
export function wilsonInterval(count: number, trials: number, z = 1.959963984540054): readonly [number, number] {
  if (trials <= 0) return [NaN, NaN];
  const p = count / trials;
  const z2 = z * z;
  const centre = (p + z2 / (2 * trials)) / (1 + z2 / trials);
  const half = (z / (1 + z2 / trials)) * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  // The ends are exact at 0 and n successes (the formula leaves rounding dust there).
  return [count === 0 ? 0 : Math.max(0, centre - half), count === trials ? 1 : Math.min(1, centre + half)];
}
