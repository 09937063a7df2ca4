/**
 * The sequential redeploy test behind `--redeploys auto[:MAX]`: after each redeploy of the
 * unchanged configuration the driver asks whether the evidence so far decides leak or healthy,
 * and stops redeploying when it does. Pure: rows in, decision out.
 */
import type { Round } from './round.js';

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
  readonly leakMarginFraction?: number;
}

/** Decides after each redeploy; `continue` until the evidence settles it. */
export function sequentialRedeployDecision(rows: readonly Round[], options: SequentialOptions = {}): SequentialDecision {
  void options;
  const last = rows[rows.length - 1];
  const redeploys = last === undefined ? 0 : rows.filter((r) => r.event === 'redeploy' && r.services === last.services).length;
  return { state: 'continue', redeploys, reason: 'not yet implemented' };
}
