/**
 * The round plan of a scale run as data: which services each registration round adds, after which
 * rounds the gateway restarts, and the redeploys that follow. A resumed run's plan starts where its
 * log left off.
 */
import type { RedeployPlan } from './config.js';
import type { ResumePoint } from './resume.js';

/** One registration round: register services [from, to), deploy, measure. */
export interface PlannedRound {
  /** 1-based round number; deploy records carry it. */
  readonly round: number;
  readonly from: number;
  readonly to: number;
  /** `--restart-at`: restart the gateway after this round and measure again. */
  readonly restartAfter: boolean;
}

export interface RoundPlan {
  /** The rounds still to run, in order. */
  readonly rounds: readonly PlannedRound[];
  /** The number of the last registration round; redeploy r is deploy round `lastRound + r`. */
  readonly lastRound: number;
  readonly redeploys: RedeployPlan;
  /** Redeploys an earlier session already measured. */
  readonly redeploysDone: number;
  /** `--redeploys auto` already decided in an earlier session: no more redeploys. */
  readonly redeploysDecided: boolean;
}

/** Services reached after each round: `batch` at a time up to `services`. */
export function roundTargets(services: number, batch: number): number[] {
  const targets: number[] = [];
  for (let n = batch; n < services + batch; n += batch) targets.push(Math.min(n, services));
  return targets;
}

/** The plan of a run with these settings, from the start or (`resume`) from where its log stands. */
export function planRounds(
  settings: { readonly services: number; readonly batch: number; readonly restartAt: readonly number[]; readonly redeploys: RedeployPlan },
  resume?: ResumePoint,
): RoundPlan {
  const rounds: PlannedRound[] = [];
  let round = resume?.roundsDone ?? 0;
  let from = resume?.services ?? 0;
  for (const to of roundTargets(settings.services, settings.batch)) {
    if (to <= from) continue;
    round++;
    rounds.push({ round, from, to, restartAfter: settings.restartAt.includes(to) });
    from = to;
  }
  return {
    rounds,
    lastRound: round,
    redeploys: settings.redeploys,
    redeploysDone: resume?.redeploysDone ?? 0,
    redeploysDecided: resume?.sequentialDecided === true,
  };
}
