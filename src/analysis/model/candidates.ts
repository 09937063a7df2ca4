/**
 * The candidate explanations of a memory curve, each a live part (linear, or superlinear with an
 * n² term) and a retention part: none, a constant amount kept per deploy, the replaced
 * configurations kept (superseded services), retention that saturates (a cache that fills), or a
 * one-off step. All are fitted to every deploy point at once; AICc picks one, and a term stays in
 * the chosen model only when it is significant (see `selectModel`).
 */
import { ALPHA_LEAK, ALPHA_TERM, RETENTION_TIE_AICC, SATURATION_RHO_GRID } from '../constants.js';
import { fCdf, tCdf } from '../distributions.js';
import { fitModel, type ColumnCache, type ModelFit, type Term, type TermName } from './fit.js';
import type { Point } from './points.js';

export type LivePart = 'linear' | 'superlinear';
export type RetentionPart = 'none' | 'per-deploy' | 'retained-configs' | 'saturating' | 'step';

export interface Candidate {
  /** e.g. `linear+retained-configs`, `superlinear+restart-shifts`. */
  readonly name: string;
  readonly live: LivePart;
  readonly retention: RetentionPart;
  /** Each segment its own intercept (a restart may shift memory by itself), or one shared intercept. */
  readonly shifts: boolean;
  /** The best fit over the profiled parameter (ρ, step position); null when the points cannot separate its terms. */
  readonly fit: ModelFit | null;
}

export const LIVE_PARTS: readonly LivePart[] = ['linear', 'superlinear'];
export const RETENTION_PARTS: readonly RetentionPart[] = ['none', 'per-deploy', 'retained-configs', 'saturating', 'step'];

/** Retention parts that keep growing with every deploy: a leak when chosen. */
export const GROWING: readonly RetentionPart[] = ['per-deploy', 'retained-configs'];

const services: Term = { name: 'services', value: (p) => p.services, fixed: null };
const servicesSquared: Term = { name: 'services²', value: (p) => p.services * p.services, fixed: null };
export const perDeployTerm: Term = { name: 'deploys', value: (p) => p.deploys, fixed: null };
export const supersededTerm: Term = { name: 'superseded', value: (p) => p.supersededServices, fixed: null };

function saturationTerm(rho: number): Term {
  return { name: 'saturation', value: (p) => (p.deploys === 0 ? 0 : 1 - rho ** p.deploys), fixed: rho };
}

/**
 * One-off steps: at the first deploy that replaced a configuration (deploy 2 of a segment), or at
 * the first redeploy of unchanged services in each segment. `fixed` is 2 or 0 (first redeploy).
 */
function stepTerms(points: readonly Point[]): Term[] {
  const firstRedeploy = new Map<number, number>();
  for (const p of points) if (p.event === 'redeploy' && !firstRedeploy.has(p.segment)) firstRedeploy.set(p.segment, p.deploys);
  const terms: Term[] = [{ name: 'step', value: (p) => (p.deploys >= 2 ? 1 : 0), fixed: 2 }];
  if (firstRedeploy.size > 0) terms.push({ name: 'step', value: (p) => (p.deploys >= (firstRedeploy.get(p.segment) ?? Infinity) ? 1 : 0), fixed: 0 });
  return terms;
}

function liveTerms(live: LivePart): Term[] {
  return live === 'linear' ? [services] : [services, servicesSquared];
}

function retentionOptions(retention: RetentionPart, points: readonly Point[]): Term[][] {
  switch (retention) {
    case 'none':
      return [[]];
    case 'per-deploy':
      return [[perDeployTerm]];
    case 'retained-configs':
      return [[supersededTerm]];
    case 'saturating':
      return SATURATION_RHO_GRID.map((rho) => [saturationTerm(rho)]);
    case 'step':
      return stepTerms(points).map((t) => [t]);
  }
}

/** Fits one candidate (profiling its fixed parameter by AICc). */
export function fitCandidate(
  points: readonly Point[],
  weights: readonly number[],
  live: LivePart,
  retention: RetentionPart,
  shifts: boolean,
  cache?: ColumnCache,
): Candidate {
  let best: ModelFit | null = null;
  for (const extra of retentionOptions(retention, points)) {
    const fit = fitModel(points, weights, [...liveTerms(live), ...extra], shifts, cache);
    if (fit !== null && (best === null || fit.aicc < best.aicc)) best = fit;
  }
  const restarts = new Set(points.map((p) => p.segment)).size > 1;
  const name = `${live}+${retention}`.replace('+none', '') + (shifts && restarts ? '+restart-shifts' : '');
  return { name, live, retention, shifts, fit: best };
}

/** Fits the chosen live part and intercepts with one more term (for the equivalence test of a model that keeps nothing). */
export function fitExtended(points: readonly Point[], weights: readonly number[], base: Pick<Candidate, 'live' | 'shifts'>, extra: Term): ModelFit | null {
  return fitModel(points, weights, [...liveTerms(base.live), extra], base.shifts);
}

export interface TermTest {
  readonly term: TermName;
  readonly estimate: number;
  readonly standardError: number;
  readonly t: number;
  /** One-sided (positive) for retention terms, two-sided for n². */
  readonly p: number;
  readonly alpha: number;
  readonly significant: boolean;
}

/** Tests each non-live term of a fit, and n²: positive retention one-sided, n² two-sided. */
export function termTests(fit: ModelFit): TermTest[] {
  return fit.terms.flatMap((term, j): TermTest[] => {
    if (term.name === 'services') return [];
    const estimate = fit.coefficients[j] as number;
    const standardError = Math.sqrt((fit.covariance[j] as readonly number[])[j] as number);
    const t = standardError > 0 ? estimate / standardError : estimate > 0 ? Infinity : -Infinity;
    const twoSided = term.name === 'services²';
    const p = twoSided ? 2 * (1 - tCdf(Math.abs(t), fit.dof)) : 1 - tCdf(t, fit.dof);
    const alpha = term.name === 'deploys' || term.name === 'superseded' ? ALPHA_LEAK : ALPHA_TERM;
    return [{ term: term.name, estimate, standardError, t, p, alpha, significant: p < alpha }];
  });
}

export interface SelectionStep {
  /** The model before the step and the extension tried. */
  readonly from: string;
  readonly to: string;
  /** Nested F test of the extension: (RSS_from − RSS_to)/Δp ÷ RSS_to/dof_to. */
  readonly f: number;
  readonly p: number;
  readonly alpha: number;
  readonly accepted: boolean;
}

export interface Selection {
  readonly candidates: readonly Candidate[];
  /** The candidate with the lowest AICc (for the report; small samples penalise it heavily). */
  readonly bestByAicc: Candidate;
  /** The model the verdict follows (see `selectModel`). */
  readonly chosen: Candidate;
  /** The chosen model's term tests. */
  readonly tests: readonly TermTest[];
  /** Every extension tried from the chosen path, with its nested test. */
  readonly steps: readonly SelectionStep[];
  /** Extensions that improved the fit but whose term was not significant. */
  readonly setAside: readonly { readonly name: string; readonly term: TermName | 'restart-shifts'; readonly p: number }[];
}

/** Parameters beyond the noise: terms, profiled parameters and intercepts. */
const extraParameters = (fit: ModelFit): number => fit.terms.length + fit.terms.filter((t) => t.fixed !== null).length + fit.segments.size;

function nestedTest(from: ModelFit, to: ModelFit): { f: number; p: number } {
  const dp = extraParameters(to) - extraParameters(from);
  if (dp <= 0 || to.dof < 1) return { f: 0, p: 1 };
  const f = Math.max(0, (from.rssWeighted - to.rssWeighted) / dp / (to.rssWeighted / to.dof));
  return { f, p: 1 - fCdf(f, dp, to.dof) };
}

/**
 * Fits every candidate, then builds the chosen model forward from `linear`: each step tries every
 * one-component extension (n² for the live part; a retention part when there is none yet), keeps
 * those whose nested F test is significant at their term's level and whose new term has the right
 * sign, and takes the one with the lowest AICc among them. It stops when no extension is
 * significant. Nested tests, not AICc alone, decide because AICc's small-sample penalty swamps the
 * 6–10 readings a typical run has, and because a leak verdict needs a stated error rate.
 * Null when not even `linear` can be fitted.
 */
export function selectModel(points: readonly Point[], weights: readonly number[]): Selection | null {
  const restarts = new Set(points.map((p) => p.segment)).size > 1;
  const shiftOptions = restarts ? [false, true] : [true];
  const cache: ColumnCache = new Map();
  const candidates = shiftOptions.flatMap((shifts) =>
    LIVE_PARTS.flatMap((live) => RETENTION_PARTS.map((retention) => fitCandidate(points, weights, live, retention, shifts, cache))),
  );
  const fitted = candidates.filter((c) => c.fit !== null);
  const find = (live: LivePart, retention: RetentionPart, shifts: boolean): Candidate | undefined =>
    fitted.find((c) => c.live === live && c.retention === retention && c.shifts === shifts);
  let chosen = find('linear', 'none', !restarts) ?? find('linear', 'none', true);
  if (chosen === undefined) return null;
  const bestByAicc = [...fitted].sort((a, b) => (a.fit as ModelFit).aicc - (b.fit as ModelFit).aicc)[0] as Candidate;
  const steps: SelectionStep[] = [];
  const setAside: { name: string; term: TermName | 'restart-shifts'; p: number }[] = [];
  for (;;) {
    const current: Candidate = chosen;
    const extensions = [
      ...(current.live === 'linear' ? [find('superlinear', current.retention, current.shifts)] : []),
      ...(current.retention === 'none' ? RETENTION_PARTS.filter((r) => r !== 'none').map((r) => find(current.live, r, current.shifts)) : []),
      ...(!current.shifts ? [find(current.live, current.retention, true)] : []),
    ].filter((c): c is Candidate => c !== undefined);
    const accepted: Candidate[] = [];
    for (const ext of extensions) {
      const fit = ext.fit as ModelFit;
      const added = fit.terms.find((t) => !(current.fit as ModelFit).terms.some((u) => u.name === t.name));
      const test = termTests(fit).find((t) => t.term === added?.name);
      const { f, p } = nestedTest(current.fit as ModelFit, fit);
      const alpha = test?.alpha ?? ALPHA_TERM;
      // Restart shifts and n² may go either way; retention must be positive.
      const signOk = added === undefined || added.name === 'services²' || (test !== undefined && test.estimate > 0);
      const ok = p < alpha && signOk;
      steps.push({ from: current.name, to: ext.name, f, p, alpha, accepted: ok });
      if (ok) accepted.push(ext);
      else if (fit.rssWeighted < (current.fit as ModelFit).rssWeighted) setAside.push({ name: ext.name, term: added?.name ?? 'restart-shifts', p });
    }
    if (accepted.length === 0) break;
    accepted.sort((a, b) => (a.fit as ModelFit).aicc - (b.fit as ModelFit).aicc);
    const best = accepted[0] as Candidate;
    // Rounds alone cannot tell kept configurations from a superlinear live cost (for equal batches the
    // two regressors are the same curve); then the leak explanation stands until a redeploy or a
    // restart separates them.
    const tiesWithSuperlinear = best.live === 'superlinear' && best.retention === current.retention;
    const growing = tiesWithSuperlinear
      ? accepted.find((c) => GROWING.includes(c.retention) && (c.fit as ModelFit).aicc - (best.fit as ModelFit).aicc < RETENTION_TIE_AICC)
      : undefined;
    chosen = growing ?? best;
  }
  return { candidates, bestByAicc, chosen, tests: termTests(chosen.fit as ModelFit), steps, setAside };
}
