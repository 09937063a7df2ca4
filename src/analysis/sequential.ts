/**
 * The sequential redeploy test behind `--redeploys auto[:MAX]`: after each redeploy of the
 * unchanged configuration the driver asks whether the evidence so far decides leak or healthy, and
 * stops redeploying when it does.
 *
 * Design: repeated significance tests with a Bonferroni split of both levels over the MAX looks the
 * test may take (each look uses ALPHA_LEAK / MAX for leak and ALPHA_EQUIVALENCE / MAX for the
 * equivalence bound). By the union bound the chance of a false `leak` over the whole sequence is at
 * most ALPHA_LEAK, and of a false `healthy` (a leak at or above the margin called healthy) at most
 * ALPHA_EQUIVALENCE, whatever redeploy it stops at; the price is a few more redeploys than a fixed
 * design needs (docs/analysis.md gives the measured numbers). Pure: rows in, decision out.
 */
import { analyzeRounds } from './analysis.js';
import { SEQUENTIAL_FIRST_LOOK, SEQUENTIAL_MAX_LOAD_REPEATS, SEQUENTIAL_MAX_REDEPLOYS } from './constants.js';
import type { LoadSequentialRecord } from '../run-log/records.js';
import type { Round } from '../run-log/round.js';

export type SequentialState = 'leak' | 'healthy' | 'continue';

export interface SequentialDecision {
  readonly state: SequentialState;
  /** Redeploys at the last service count so far. */
  readonly redeploys: number;
  /** One sentence: what the test saw. */
  readonly reason: string;
}

export interface SequentialOptions {
  /** Healthy margin per deploy as a fraction of memory (--leak-margin). */
  readonly leakMarginFraction?: number | null;
  /** The most redeploys the run will make (MAX of `--redeploys auto:MAX`). */
  readonly maxRedeploys?: number;
}

/** Decides after each redeploy; `continue` until the evidence settles it. */
export function sequentialRedeployDecision(rows: readonly Round[], options: SequentialOptions = {}): SequentialDecision {
  const last = rows[rows.length - 1];
  const redeploys = last === undefined ? 0 : rows.filter((r) => r.event === 'redeploy' && r.services === last.services).length;
  if (redeploys < SEQUENTIAL_FIRST_LOOK) return { state: 'continue', redeploys, reason: `first look after ${SEQUENTIAL_FIRST_LOOK} redeploys` };
  const looks = Math.max(1, (options.maxRedeploys ?? SEQUENTIAL_MAX_REDEPLOYS) - SEQUENTIAL_FIRST_LOOK + 1);
  const analysis = analyzeRounds(rows, { leakMarginFraction: options.leakMarginFraction ?? null, looks });
  const kind = analysis.verdict.kind;
  if (kind === 'leak') return { state: 'leak', redeploys, reason: analysis.verdict.summary };
  if (kind === 'healthy') return { state: 'healthy', redeploys, reason: analysis.verdict.summary };
  return { state: 'continue', redeploys, reason: analysis.verdict.summary };
}

/** What `--load-repeats auto` decided: the concurrency test's answer, or `continue`. */
export type LoadSequentialState = LoadSequentialRecord['state'];

export interface LoadSequentialDecision {
  readonly state: LoadSequentialState;
  /** Traffic steps repeated at the highest concurrency so far. */
  readonly repeats: number;
  readonly reason: string;
}

/**
 * The sequential traffic test behind `--load-repeats auto[:MAX]`: after the planned traffic steps and
 * after each repeat of the highest concurrency, the concurrency test runs with both its levels
 * divided by the MAX + 1 looks it may take (Bonferroni, as for redeploys), and the repeats stop at
 * `leak` (memory rises on repeats too), `concurrency-retention` (a pool: flat on repeats) or
 * `healthy` (traffic keeps nothing, within the margin). A repeat at the highest concurrency is the
 * step that tells the two apart best: a pool stays where it is, a leak adds the most there.
 */
export function sequentialLoadDecision(rows: readonly Round[], repeats: number, maxRepeats: number = SEQUENTIAL_MAX_LOAD_REPEATS): LoadSequentialDecision {
  const analysis = analyzeRounds(rows, { loadLooks: maxRepeats + 1 });
  const test = analysis.verdict.reasons.find((r) => r.rule === 'concurrency');
  const reason = test?.reason ?? 'no traffic steps';
  switch (test?.answer) {
    case 'leak':
      return { state: 'leak', repeats, reason };
    case 'concurrency-retention':
      return { state: 'concurrency-retention', repeats, reason };
    case 'not-leak':
      return { state: 'healthy', repeats, reason };
    default:
      return { state: 'continue', repeats, reason };
  }
}
