/**
 * The deploy side of the verdict: one model of the whole memory curve, chosen by evidence, and the
 * tests that turn it into `leak`, `bounded-retention`, `healthy` or `inconclusive`.
 *
 * - Pure error: the scatter of replicate readings within each point (else the after-GC prior).
 * - Selection: every candidate (candidates.ts) fitted to all points, ranked by AICc; a term stays
 *   only when significant.
 * - Lack of fit: the chosen model's residual scale against pure error plus the between-deploy
 *   allowance (an F test). A curve no candidate fits is `inconclusive`, never a wider noise band.
 * - Kept per deploy at the last service count, with its interval: `leak` when above zero at
 *   ALPHA_LEAK and at least the margin; `healthy` only when its 95 % upper bound (and that of what
 *   each restart released, per deploy) is below the margin — an equivalence test (TOST).
 */
import {
  ALPHA_EQUIVALENCE,
  ALPHA_LACK_OF_FIT,
  ALPHA_LEAK,
  BETWEEN_DEPLOY_ALLOWANCE_FRACTION,
  LEAK_MARGIN_FLOOR_BYTES,
  FRESH_ROW_KEPT_BELOW,
  LEAK_MARGIN_FRACTION,
  SATURATION_AMBIGUITY_AICC,
} from '../constants.js';
import { fCdf, tCdf, tQuantile } from '../distributions.js';
import type { Series } from '../series.js';
import { fitExtended, GROWING, perDeployTerm, selectModel, supersededTerm, termTests, type Candidate, type Selection } from './candidates.js';
import { combinationVariance, interceptOf, termIndex, type ModelFit } from './fit.js';
import { pointsOf, pureErrorOf, type Point, type PureError } from './points.js';

export interface CurveOptions {
  /** Healthy margin as a fraction of memory per deploy (default LEAK_MARGIN_FRACTION). */
  readonly leakMarginFraction?: number | null;
  /** Number of looks a sequential test takes: both levels are divided by it (Bonferroni). Default 1. */
  readonly looks?: number;
}

/** An amount with its interval and its one-sided test against zero. */
export interface Amount {
  readonly estimate: number;
  readonly standardError: number;
  readonly dof: number;
  /** One-sided p of estimate > 0. */
  readonly p: number;
  /** Lower bound at the leak level (1 − ALPHA_LEAK), upper bound at the equivalence level (1 − ALPHA_EQUIVALENCE). */
  readonly lower: number;
  readonly upper: number;
  /** Two-sided 95 % interval. */
  readonly ci95: readonly [number, number];
}

export interface KeptPerDeploy extends Amount {
  /** Where it was read: the chosen model's own growing term, or a model that adds one to it. */
  readonly model: string;
  readonly term: 'deploys' | 'superseded';
  readonly atServices: number;
}

export interface RestartShift {
  /** Index of the restart row. */
  readonly index: number;
  readonly services: number;
  /** Memory released by the restart beyond what the model explains (before − after), with its interval. */
  readonly released: Amount;
  /** Deploys in the segment before the restart (what the released memory is shared over). */
  readonly deploysBefore: number;
}

export interface LackOfFit {
  readonly f: number;
  readonly dof1: number;
  /** Pure error's degrees of freedom (Infinity for the prior). */
  readonly dof2: number;
  readonly p: number;
  readonly fits: boolean;
  /** Index and services of the point the chosen model misses most (in units of its expected sd). */
  readonly worst: { readonly index: number; readonly services: number; readonly standardized: number } | null;
}

export type CurveVerdict = 'leak' | 'bounded-retention' | 'healthy' | 'inconclusive';

export interface CurveAnalysis {
  readonly points: readonly Point[];
  /** Points left out of the fit (the empty gateway before its first deploy). */
  readonly leftOut: readonly number[];
  readonly pureError: PureError;
  readonly selection: Selection | null;
  readonly lackOfFit: LackOfFit | null;
  readonly marginBytes: number;
  readonly marginFraction: number;
  /** Every reading of kept per deploy (the chosen model's, or each extension's); the first decides. */
  readonly keptPerDeploy: readonly KeptPerDeploy[];
  readonly restarts: readonly RestartShift[];
  /** Live cost per service at the last service count (b + q·N), with its interval. */
  readonly perService: Amount | null;
  /** Size of saturating retention or of a one-off step in the chosen model. */
  readonly bounded: Amount | null;
  readonly verdict: CurveVerdict;
  /** The test that decided (for the report). */
  readonly decidedBy: 'retention' | 'model-selection' | 'equivalence' | 'restart' | null;
  readonly summary: string;
  readonly needs: readonly string[];
}

function amount(estimate: number, variance: number, dof: number, looks: number): Amount {
  const se = Math.sqrt(Math.max(variance, 0));
  const t = se > 0 ? estimate / se : estimate > 0 ? Infinity : -Infinity;
  const p = 1 - tCdf(t, dof);
  const t95 = tQuantile(0.975, dof);
  return {
    estimate,
    standardError: se,
    dof,
    p,
    lower: estimate - tQuantile(1 - ALPHA_LEAK / looks, dof) * se,
    upper: estimate + tQuantile(1 - ALPHA_EQUIVALENCE / looks, dof) * se,
    ci95: [estimate - t95 * se, estimate + t95 * se],
  };
}

function keptPerDeployOf(fit: ModelFit, model: string, atServices: number, looks: number): KeptPerDeploy | null {
  const d = termIndex(fit, 'deploys');
  const s = termIndex(fit, 'superseded');
  const j = d >= 0 ? d : s;
  if (j < 0) return null;
  const c = fit.terms.map((_, i) => (i === j ? (d >= 0 ? 1 : atServices) : 0));
  const estimate = c.reduce((acc, ci, i) => acc + ci * (fit.coefficients[i] as number), 0);
  return { ...amount(estimate, combinationVariance(fit, c), fit.dof, looks), model, term: d >= 0 ? 'deploys' : 'superseded', atServices };
}

function restartShifts(points: readonly Point[], fit: ModelFit, looks: number): RestartShift[] {
  const shifts: RestartShift[] = [];
  for (const [segment, means] of fit.segments) {
    const first = points.find((p) => p.segment === segment);
    const previous = fit.segments.get(segment - 1);
    if (first === undefined || first.event !== 'restart' || previous === undefined) continue;
    const diff = previous.regressors.map((v, j) => v - (means.regressors[j] as number));
    const released = interceptOf(fit, segment - 1) - interceptOf(fit, segment);
    const variance = fit.scale / means.weight + fit.scale / previous.weight + combinationVariance(fit, diff);
    const deploysBefore = Math.max(0, ...points.filter((p) => p.segment === segment - 1).map((p) => p.deploys));
    shifts.push({ index: first.index, services: first.services, released: amount(released, variance, fit.dof, looks), deploysBefore });
  }
  return shifts;
}

function lackOfFitOf(points: readonly Point[], weights: readonly number[], fit: ModelFit, pure: PureError): LackOfFit {
  const p = 1 - fCdf(fit.scale, fit.dof, pure.dof);
  let worst: LackOfFit['worst'] = null;
  points.forEach((pt, i) => {
    const z = (pt.memoryBytes - (fit.fitted[i] as number)) * Math.sqrt(weights[i] as number);
    if (worst === null || Math.abs(z) > Math.abs(worst.standardized)) worst = { index: pt.index, services: pt.services, standardized: z };
  });
  return { f: fit.scale, dof1: fit.dof, dof2: pure.dof, p, fits: p >= ALPHA_LACK_OF_FIT, worst };
}

/** Redeploys that would bring an upper bound below the margin, if the estimate stays where it is. */
function redeploysToDecide(k: KeptPerDeploy, margin: number, redeploys: number): number | null {
  if (k.estimate >= margin || redeploys < 2) return null;
  const needed = (k.upper - k.estimate) / (margin - k.estimate);
  // The slope's standard error shrinks as redeploys^(-3/2).
  return Math.min(1000, Math.ceil(redeploys * needed ** (2 / 3)));
}

/**
 * The slope of memory over the redeploys at the last service count (and the round just before
 * them), by ordinary least squares with its own residual scatter; null with fewer than 4 points.
 */
function redeployBlockSlope(points: readonly Point[], looks: number): Amount | null {
  const last = points[points.length - 1];
  if (last === undefined) return null;
  let start = points.length - 1;
  while (
    start > 0 &&
    (points[start] as Point).event === 'redeploy' &&
    (points[start - 1] as Point).services === last.services &&
    (points[start - 1] as Point).segment === last.segment
  )
    start--;
  const block = points.slice(start);
  if (block.length < 4 || !block.slice(1).every((p) => p.event === 'redeploy')) return null;
  const n = block.length;
  const xs = block.map((_, i) => i);
  const mx = (n - 1) / 2;
  const my = block.reduce((a, p) => a + p.memoryBytes, 0) / n;
  const sxx = xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  const slope = block.reduce((a, p, i) => a + (i - mx) * (p.memoryBytes - my), 0) / sxx;
  const rss = block.reduce((a, p, i) => a + (p.memoryBytes - my - slope * (i - mx)) ** 2, 0);
  return amount(slope, rss / (n - 2) / sxx, n - 2, looks);
}

const fmtPct = (bytes: number, memory: number): string => `${((100 * bytes) / memory).toFixed(2)} %`;

/** Analyses the deploy points of a series. */
export function analyseCurve(series: Series, options: CurveOptions = {}): CurveAnalysis {
  const looks = Math.max(1, options.looks ?? 1);
  const marginFraction = options.leakMarginFraction ?? LEAK_MARGIN_FRACTION;
  const all = pointsOf(series);
  // The empty gateway before its first deploy misses one-off costs of that deploy (lazy initialisation);
  // it is left out when its segment has enough other readings to carry the fit.
  const leftOut = all
    .filter((p) => p.services === 0 && p.deploys === 0 && p.event === 'round' && all.filter((q) => q.segment === p.segment).length > FRESH_ROW_KEPT_BELOW)
    .map((p) => p.index);
  const points = all.filter((p) => !leftOut.includes(p.index));
  const pureError = pureErrorOf(points);
  const last = points[points.length - 1];
  const memory = last?.memoryBytes ?? 0;
  const marginBytes = Math.max(marginFraction * memory, LEAK_MARGIN_FLOOR_BYTES);
  const redeploys = last === undefined ? 0 : points.filter((p) => p.segment === last.segment && p.event === 'redeploy' && p.services === last.services).length;
  const base = { points, leftOut, pureError, marginBytes, marginFraction };
  const none = (summary: string, needs: string[]): CurveAnalysis => ({
    ...base,
    selection: null,
    lackOfFit: null,
    keptPerDeploy: [],
    restarts: [],
    perService: null,
    bounded: null,
    verdict: 'inconclusive',
    decidedBy: null,
    summary,
    needs,
  });
  if (last === undefined || points.length < 4 || new Set(points.map((p) => p.services)).size < 2) {
    return none(`${points.length} deploy readings at ${new Set(points.map((p) => p.services)).size} service counts: too few to model the curve`, [
      'measure at least 4 deploys at 2 or more service counts (e.g. --services 400 --batch 100 --redeploys 6)',
    ]);
  }
  const weights = points.map((p) => 1 / (p.memoryBytes ** 2 * (BETWEEN_DEPLOY_ALLOWANCE_FRACTION ** 2 + pureError.relativeVariance / p.readings.length)));
  const selection = selectModel(points, weights);
  if (selection === null)
    return none('no candidate model can be fitted to these readings', ['measure more rounds (at least 4 deploys beyond the number of restarts)']);
  const chosen: Candidate = selection.chosen;
  const fit = chosen.fit as ModelFit;
  const lackOfFit = lackOfFitOf(points, weights, fit, pureError);
  const atServices = last.services;
  const growing = GROWING.includes(chosen.retention);
  const restartsInRun = new Set(points.map((p) => p.segment)).size > 1;
  const keptPerDeploy = growing
    ? [keptPerDeployOf(fit, chosen.name, atServices, looks)]
    : [perDeployTerm, supersededTerm].map((term) => {
        const extended = fitExtended(points, weights, chosen, term);
        const name = `${chosen.live}+${term.name === 'deploys' ? 'per-deploy' : 'retained-configs'}${chosen.shifts && restartsInRun ? '+restart-shifts' : ''}`;
        return extended === null ? null : keptPerDeployOf(extended, name, atServices, looks);
      });
  const kept = keptPerDeploy.filter((k): k is KeptPerDeploy => k !== null).sort((a, b) => b.upper - a.upper);
  // Restart evidence: the segment shifts of the chosen model with an intercept per segment.
  const shiftFit = chosen.shifts
    ? fit
    : (selection.candidates.find((c) => c.live === chosen.live && c.retention === chosen.retention && c.shifts)?.fit ?? null);
  const restarts = shiftFit === null ? [] : restartShifts(points, shiftFit, looks);
  const liveIdx = [termIndex(fit, 'services'), termIndex(fit, 'services²')];
  const liveC = fit.terms.map((_, i) => (i === liveIdx[0] ? 1 : i === liveIdx[1] ? atServices : 0));
  const perService = amount(
    liveC.reduce((s, c, i) => s + c * (fit.coefficients[i] as number), 0),
    combinationVariance(fit, liveC),
    fit.dof,
    looks,
  );
  const boundedIdx = Math.max(termIndex(fit, 'saturation'), termIndex(fit, 'step'));
  const bounded =
    boundedIdx < 0
      ? null
      : amount(fit.coefficients[boundedIdx] as number, (fit.covariance[boundedIdx] as readonly number[])[boundedIdx] as number, fit.dof, looks);
  const result = { ...base, selection, lackOfFit, keptPerDeploy: kept, restarts, perService, bounded };

  const lead = kept[0];
  const pct = (b: number): string => fmtPct(b, memory);
  // A cache that fills slowly looks like a leak until it levels off: when the saturating model fits
  // about as well as the growing one, the readings cannot tell them apart yet.
  const saturating = selection.candidates.find((c) => c.live === chosen.live && c.shifts === chosen.shifts && c.retention === 'saturating')?.fit ?? null;
  const levelsOffToo =
    growing && saturating !== null && saturating.aicc - fit.aicc < SATURATION_AMBIGUITY_AICC && termTests(saturating).every((t) => t.significant);
  if (growing && lead !== undefined && lead.p < ALPHA_LEAK / looks && lead.estimate >= marginBytes && levelsOffToo) {
    return {
      ...result,
      verdict: 'inconclusive',
      decidedBy: null,
      summary: `memory grows with deploys (${chosen.name}: ${pct(lead.estimate)} of memory per deploy), but retention that levels off fits about as well (ΔAICc ${(saturating.aicc - fit.aicc).toFixed(1)})`,
      needs: [`redeploy until it levels off or keeps climbing (--redeploys ${Math.max(10, 2 * redeploys)}, or --redeploys auto)`],
    };
  }
  if (growing && lead !== undefined && lead.p < ALPHA_LEAK / looks && lead.estimate >= marginBytes) {
    const misfitText = lackOfFit.fits
      ? ''
      : ` The curve also departs from every candidate (F = ${lackOfFit.f.toPrecision(3)}), but the retention stands above that misfit.`;
    return {
      ...result,
      verdict: 'leak',
      decidedBy: 'retention',
      summary: `${chosen.name} fits best: each deploy keeps ${pct(lead.estimate)} of memory (${Math.round(lead.estimate)} bytes, one-sided p = ${lead.p.toPrecision(2)}), above the ${pct(marginBytes)} margin.${misfitText}`,
      needs: [],
    };
  }
  const misfit = !lackOfFit.fits;
  const misfitNote = misfit
    ? ` The curve departs from every candidate (lack of fit F = ${lackOfFit.f.toPrecision(3)}); this bound counts that misfit as noise, so it only gets wider.`
    : '';
  // With no model that fits, the redeploys of the unchanged configuration still measure what a
  // deploy keeps directly: their own slope, with their own scatter, needs no model of the rounds.
  const block = misfit && !(lead !== undefined && lead.upper < marginBytes) ? redeployBlockSlope(points, looks) : null;
  if (block !== null && block.upper < marginBytes) {
    return {
      ...result,
      keptPerDeploy: [{ ...block, model: 'redeploys alone', term: 'deploys', atServices }, ...kept],
      verdict: 'healthy',
      decidedBy: 'equivalence',
      summary: `no candidate model fits the curve (lack of fit F = ${lackOfFit.f.toPrecision(3)}), but the ${redeploys} redeploys at ${atServices} services alone bound what a deploy keeps: 95 % upper bound ${pct(block.upper)} of memory (slope ${pct(block.estimate)} per deploy), below the ${pct(marginBytes)} margin.`,
      needs: [],
    };
  }
  if (misfit && !(lead !== undefined && lead.upper < marginBytes)) {
    const w = lackOfFit.worst;
    return {
      ...result,
      verdict: 'inconclusive',
      decidedBy: null,
      summary: `no candidate model fits the curve: the best (${chosen.name}) leaves residuals ${Math.sqrt(lackOfFit.f).toPrecision(3)}× the measured noise (lack-of-fit p = ${lackOfFit.p.toPrecision(2)})`,
      needs: [
        `look at row #${w?.index ?? '?'} (${w?.services ?? '?'} services), the reading furthest from every model`,
        'repeat the run with more readings per point (--readings 5) and more redeploys (--redeploys auto) so pure error and what a deploy keeps are measured',
      ],
    };
  }
  if (!misfit && (chosen.retention === 'saturating' || chosen.retention === 'step')) {
    const b = bounded as Amount;
    const what = chosen.retention === 'step' ? 'a one-off step' : 'retention that levels off';
    return {
      ...result,
      verdict: 'bounded-retention',
      decidedBy: 'model-selection',
      summary: `${chosen.name} fits best: ${what} of ${pct(b.estimate)} of memory (95 % CI ${pct(b.ci95[0])} … ${pct(b.ci95[1])}), nothing kept per deploy beyond it.`,
      needs: [],
    };
  }
  if (lead !== undefined && lead.upper < marginBytes) {
    // Deploys keep nothing; memory a restart released beyond the model was then held once, not per deploy.
    const held = restarts
      .filter((r) => r.released.ci95[0] > 0 && r.released.estimate >= marginBytes)
      .sort((x, y) => y.released.estimate - x.released.estimate)[0];
    if (held !== undefined && misfit) {
      return {
        ...result,
        verdict: 'inconclusive',
        decidedBy: null,
        summary: `deploys keep nothing, but the restart at ${held.services} services released memory and no candidate model fits the curve`,
        needs: ['redeploy after the restart, with more readings per point (--readings 5)'],
      };
    }
    if (held !== undefined) {
      return {
        ...result,
        bounded: held.released,
        verdict: 'bounded-retention',
        decidedBy: 'restart',
        summary: `deploys keep nothing (95 % upper bound ${pct(lead.upper)} of memory per deploy, below the ${pct(marginBytes)} margin), but the restart at ${held.services} services released ${pct(held.released.estimate)} of memory (95 % CI ${pct(held.released.ci95[0])} … ${pct(held.released.ci95[1])}) that the gateway had held: retention, bounded.`,
        needs: [],
      };
    }
    return {
      ...result,
      verdict: 'healthy',
      decidedBy: 'equivalence',
      summary: `${chosen.name} fits best${growing ? '' : ' and keeps nothing per deploy'}: the 95 % upper bound of what a deploy keeps is ${pct(lead.upper)} of memory, below the ${pct(marginBytes)} margin${growing ? ' (kept, but too little to matter)' : ''}.${misfitNote}`,
      needs: [],
    };
  }
  const needs: string[] = [];
  if (redeploys === 0) needs.push('add redeploys of the unchanged configuration (--redeploys 10, or --redeploys auto)');
  else if (lead !== undefined) {
    const r = redeploysToDecide(lead, marginBytes, redeploys);
    needs.push(
      r === null
        ? 'redeploy more, and restart once at the last service count (--restart-at), to tell a slow leak from noise'
        : `about ${r} redeploys in all at the last service count would decide (--redeploys ${r}, or --redeploys auto)`,
    );
  } else needs.push('redeploy the unchanged configuration several times at the last service count (--redeploys 10)');
  const bound =
    lead === undefined
      ? 'what a deploy keeps cannot be separated from the live cost on these readings'
      : `the 95 % upper bound of what a deploy keeps is ${pct(lead.upper)} of memory, not below the ${pct(marginBytes)} margin`;
  return { ...result, verdict: 'inconclusive', decidedBy: null, summary: `${chosen.name} fits best, but ${bound}`, needs };
}
