/** Small readings of a report that several renderers share. */
import type { AnalysedRound } from '../analysis/analysis.js';
import type { Report } from './build.js';

/** The deploy-side rows (fresh start, rounds, restarts, redeploys) in time order. */
export function deployRowsOf(report: Pick<Report, 'rounds'>): AnalysedRound[] {
  return report.rounds.filter((r) => r.role === 'fresh-start' || r.role === 'round' || r.role === 'restart' || r.role === 'redeploy');
}

/** `reference/retain-configs`, or just the target when the profile says nothing. */
export function runLabel(report: Pick<Report, 'target' | 'profile'>): string {
  return report.profile === '' ? report.target : `${report.target}/${report.profile}`;
}
