/**
 * Every constant the verdict engine decides with, in one place. `docs/analysis.md` names each one
 * with its value (a test checks that the two agree), so a reader can reproduce every decision.
 */
/** One-sided level of the test that what is kept per deploy is above zero (a `leak` needs it). */
export const ALPHA_LEAK = 0.001;
/** Level at which a model term (n², bounded retention, step) must be significant to be kept in the chosen model. */
export const ALPHA_TERM = 0.001;
/** Level of the lack-of-fit F test against pure error: below it, no candidate model fits. */
export const ALPHA_LACK_OF_FIT = 0.001;
/** One-sided level of the equivalence test (TOST) behind `healthy`: the 95 % upper bound must be below the margin. */
export const ALPHA_EQUIVALENCE = 0.05;
/** Default healthy margin: memory kept per deploy as a fraction of memory at the last reading (--leak-margin). */
export const LEAK_MARGIN_FRACTION = 0.0025;
/** The margin is never below this many bytes per deploy (tiny heaps). */
export const LEAK_MARGIN_FLOOR_BYTES = 64 * 1024;
/** Prior sd of one after-GC reading as a fraction of it, used when a point has no replicates to measure it. */
export const AFTER_GC_NOISE_FRACTION = 0.005;
/** Smallest sd assumed for an after-GC reading (tiny heaps). */
export const AFTER_GC_NOISE_FLOOR_BYTES = 64 * 1024;
/** A reading not taken after GC may sit anywhere up to this fraction above the live set (the GC sawtooth). */
export const SAWTOOTH_FRACTION = 0.1;
/**
 * Deploy-to-deploy variation that replicate readings cannot see (the heap after GC differs a little
 * from one deploy to the next), as a fraction of memory (sd). The lack-of-fit test counts residuals
 * up to pure error plus this much as noise; more is a curve that no candidate model fits.
 */
export const BETWEEN_DEPLOY_ALLOWANCE_FRACTION = 0.01;
/**
 * When a growing retention model and a superlinear live cost are both significant and their AICc
 * differ by less than this, the retention model is chosen: rounds of equal size cannot tell kept
 * configurations from a superlinear live cost, and only a redeploy or a restart can.
 */
export const RETENTION_TIE_AICC = 2;
/**
 * A growing retention model is a leak only when the saturating model (retention that levels off)
 * fits worse by at least this much AICc; closer, the readings cannot yet tell a slow cache from a leak.
 */
export const SATURATION_AMBIGUITY_AICC = 2;
/** The empty gateway's reading (before its first deploy) is left out of the fit when its segment has more than this many others. */
export const FRESH_ROW_KEPT_BELOW = 6;
/** Fill rates tried for bounded (saturating) retention B·(1 − ρᵈ): ρ is the share of the gap left after each deploy. */
export const SATURATION_RHO_GRID: readonly number[] = [0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
/** Draws from the fitted model's sampling distribution behind `predictedOomInterval`. */
export const PREDICTION_DRAWS = 1000;
/** Seed of those draws: the same rows give the same interval, byte for byte. */
export const PREDICTION_SEED = 0x5eed;
/** Projection horizon: at most this many rounds ahead (beyond it the out-of-memory point is `null`). */
export const MAX_PROJECTED_ROUNDS = 1_000_000;
/** Default upper bound of `--redeploys auto`. */
export const SEQUENTIAL_MAX_REDEPLOYS = 30;
/** The sequential test first looks after this many redeploys. */
export const SEQUENTIAL_FIRST_LOOK = 3;
/** One-sided level of the concurrency test's terms (pool per unit of concurrency, traffic that leaks). */
export const ALPHA_CONCURRENCY = 0.001;
/** Weight of the prior noise level, in degrees of freedom, when the concurrency fit pools it with its own. */
export const PRIOR_DOF = 4;
/** A pool smaller than this fraction of memory at the highest concurrency is not worth a verdict. */
export const CONCURRENCY_MIN_EFFECT_FRACTION = 0.05;
/** Idle memory after traffic must stay this fraction of memory above the baseline (or rise by it in all) to count. */
export const LOAD_MIN_EFFECT_FRACTION = 0.02;
/**
 * "Traffic keeps nothing" needs the one-sided upper bounds (ALPHA_EQUIVALENCE) of what all the
 * traffic so far kept and of the pool at the highest concurrency both below this fraction of memory.
 */
export const LOAD_MARGIN_FRACTION = 0.05;
/** Default upper bound of `--load-repeats auto`. */
export const SEQUENTIAL_MAX_LOAD_REPEATS = 10;
