/**
 * The analysis of a run: rows in, verdict and numbers out. Pure and deterministic — the same rows
 * give byte-identical JSON — so a verdict can be recomputed from a saved run log or a CSV.
 * The deploy rows are explained by one model of the whole curve (model/), the traffic steps by the
 * concurrency test; see docs/analysis.md.
 */
import type { Round } from '../run-log/round.js';
import { seriesOf, type Series } from './series.js';
import { pooledNoiseScale } from './noise.js';
import { concurrencyRule, concurrencySteps } from './rules/concurrency.js';
import { decide, type Verdict } from './verdict.js';
import { estimateDeployPeakFactor, type PeakFactorSource } from './deploy-peak.js';
import { estimateDeployTimeExponent, type DeployTimeMethod } from './deploy-time.js';
import { analyseCurve, type Amount, type CurveAnalysis, type CurveOptions } from './model/curve.js';
import { fitExtended, perDeployTerm, supersededTerm } from './model/candidates.js';
import type { ModelFit } from './model/fit.js';
import { deployLimitBytes, projectOom, type Projection } from './model/projection.js';
import type { Point } from './model/points.js';
import type { Estimate } from './estimate.js';
import { roundBytes, sig4 } from './rounding.js';
import { AFTER_GC_NOISE_FRACTION, BETWEEN_DEPLOY_ALLOWANCE_FRACTION, SAWTOOTH_FRACTION } from './constants.js';

/** Bump when a field of `Analysis` changes meaning or goes away; adding fields does not bump it. */
export const ANALYSIS_SCHEMA_VERSION = 4;

export interface AnalysisOptions {
  /** Heap limit of the gateway, bytes (--heap-max, else the run's gateway heap setting). */
  readonly heapMaxBytes?: number | null;
  /** Where heapMaxBytes came from, for the report. */
  readonly heapMaxSource?: HeapMaxSource;
  /** Deploy peak factor to use instead of the measured one (--deploy-peak-factor). */
  readonly deployPeakFactor?: number | null;
  /**
   * Healthy only when the upper 95 % bound of memory kept per deploy is below this fraction of
   * memory (--leak-margin; default LEAK_MARGIN_FRACTION, and never below LEAK_MARGIN_FLOOR_BYTES).
   */
  readonly leakMarginFraction?: number | null;
  /** Looks a sequential test takes (its levels are divided by this); 1 for a fixed design. */
  readonly looks?: number;
  /** The same for the concurrency test under `--load-repeats auto`. */
  readonly loadLooks?: number;
}

export type HeapMaxSource = 'option' | 'run-settings';

/** An estimate as written to report.json (rounded). */
export interface EstimateJson<Method extends string = string> {
  readonly value: number | null;
  readonly ci95: readonly [number | null, number | null] | null;
  readonly method: Method;
  readonly rows: readonly number[];
  readonly note: string;
}

/** Why a row is in the analysis and what read it. */
export type RowRole = 'fresh-start' | 'round' | 'redeploy' | 'restart' | 'load' | 'crash';

export type AnalysedRound = Round & {
  readonly role: RowRole;
  /** Services of the configurations replaced since the gateway (re)started; null for load and crash rows. */
  readonly supersededServices: number | null;
  /** Memory the chosen curve model gives at this row; null for rows it did not fit. */
  readonly fittedBytes: number | null;
  /** Tests and estimates that read this row. */
  readonly usedBy: readonly string[];
};

export interface CandidateJson {
  readonly name: string;
  readonly aicc: number | null;
  /** AICc minus the best candidate's; null when it could not be fitted. */
  readonly deltaAicc: number | null;
  readonly parameters: number | null;
  /** Residual scale φ̂ (1 = within pure error plus allowance). */
  readonly scale: number | null;
  /** The profiled parameter: ρ of saturating retention, the deploy a step happens at (0 = first redeploy). */
  readonly fixed: number | null;
}

export interface ModelJson {
  readonly chosen: string;
  readonly live: string;
  readonly retention: string;
  /** The best candidate by AICc before the significance gate. */
  readonly bestByAicc: string;
  readonly candidates: readonly CandidateJson[];
  readonly setAside: readonly { readonly name: string; readonly term: string; readonly p: number | null }[];
  /** The chosen model's terms (per-segment intercepts aside). */
  readonly terms: readonly {
    readonly term: string;
    readonly estimate: number | null;
    readonly ci95: readonly [number | null, number | null];
    readonly p: number | null;
    readonly alpha: number | null;
    readonly fixed: number | null;
  }[];
  readonly scale: number | null;
  readonly dof: number;
  readonly pureError: { readonly sdFraction: number | null; readonly dof: number | null; readonly source: string };
  readonly lackOfFit: {
    readonly f: number | null;
    readonly dof1: number;
    readonly dof2: number | null;
    readonly p: number | null;
    readonly fits: boolean;
  } | null;
  readonly restarts: readonly {
    readonly index: number;
    readonly services: number;
    readonly releasedBytes: number | null;
    readonly ci95: readonly [number | null, number | null];
    readonly p: number | null;
    readonly deploysBefore: number;
  }[];
  /** Rows left out of the fit (the empty gateway before its first deploy). */
  readonly leftOut: readonly number[];
}

export interface Analysis {
  readonly schemaVersion: typeof ANALYSIS_SCHEMA_VERSION;
  readonly verdict: Verdict;
  /** Live memory one registered service costs at the last service count, bytes. */
  readonly perServiceBytes: number | null;
  /** Memory kept per deploy beyond the live set at `estimates.retainedPerDeploy.atServices`, bytes. */
  readonly retainedPerDeployBytes: number | null;
  /** Size of retention that levels off (saturating retention or a one-off step), bytes. */
  readonly boundedRetentionBytes: number | null;
  /** The healthy margin: a deploy may keep less than this and still be healthy, bytes. */
  readonly leakMarginBytes: number;
  /** Peak during a deploy ÷ memory before it, as used for the prediction. */
  readonly deployPeakFactor: number;
  /** k in deploy time ∝ servicesᵏ. */
  readonly deployTimeExponent: number | null;
  readonly heapMaxBytes: number | null;
  /** Services of the first deploy whose need (peak factor × (memory in use + its registration growth)) passes the heap max. */
  readonly predictedOomServices: number | null;
  /** 95 % interval of `predictedOomServices`; the high end is null when the limit may never be reached. */
  readonly predictedOomInterval: readonly [number | null, number | null] | null;
  /** Idle memory kept per unit of the highest concurrency reached, bytes. */
  readonly bytesPerConcurrency: number | null;
  readonly estimates: {
    readonly perService: EstimateJson<'curve-model'> | null;
    readonly retainedPerDeploy:
      | (EstimateJson<'curve-model'> & { readonly atServices: number; readonly upper95: number | null; readonly p: number | null; readonly model: string })
      | null;
    readonly boundedRetention: EstimateJson<'curve-model'> | null;
    readonly deployPeakFactor: {
      readonly source: PeakFactorSource;
      readonly measured: {
        readonly median: number | null;
        readonly min: number | null;
        readonly max: number | null;
        readonly deploys: number;
        readonly rows: readonly number[];
        readonly kind: string;
      } | null;
      readonly note: string;
    };
    readonly deployTimeExponent: EstimateJson<DeployTimeMethod> | null;
    readonly heapMax: { readonly source: HeapMaxSource | null };
    /** How `predictedOomServices` was reached (the count itself is the top-level field). */
    readonly prediction: {
      /** The curve model projected (may add a growing term the verdict did not need, when its interval excludes zero). */
      readonly model: string | null;
      readonly reachedInData: boolean;
      /**
       * The memory in use at which the next deploy no longer fits: heap max ÷ peak factor, less what
       * registering a round of services adds before the deploy starts.
       */
      readonly limitBytes: number | null;
      /**
       * Heap registering one service adds before its round's deploy starts (median over the
       * heap-sampled rounds; null when none was measured): part of the next deploy's need.
       */
      readonly registrationBytesPerService: number | null;
      readonly batchServices: number | null;
      readonly draws: number;
      /** The projected curve with its 95 % band, for the chart. */
      readonly path: readonly {
        readonly services: number;
        readonly memoryBytes: number | null;
        readonly lowBytes: number | null;
        readonly highBytes: number | null;
      }[];
      readonly note: string;
    };
    /** The pool term even when the verdict is not concurrency-retention. */
    readonly bytesPerConcurrency: {
      readonly value: number | null;
      readonly ci95: readonly [number | null, number | null] | null;
      readonly rows: readonly number[];
    } | null;
    /** The curve model: candidates, the chosen one, its terms and tests. */
    readonly model: ModelJson | null;
    readonly noise: {
      readonly afterGcFraction: number;
      readonly sawtoothFraction: number;
      readonly betweenDeployAllowanceFraction: number;
    };
  };
  readonly rounds: readonly AnalysedRound[];
}

function estimateJson<M extends string>(e: Estimate<M> | null, round: (x: number) => number | null): EstimateJson<M> | null {
  if (e === null) return null;
  return { value: round(e.value), ci95: e.ci95 === null ? null : [round(e.ci95[0]), round(e.ci95[1])], method: e.method, rows: e.rows, note: e.note };
}

const amountCi = (a: Amount, round: (x: number) => number | null): [number | null, number | null] => [round(a.ci95[0]), round(a.ci95[1])];

function roleOf(row: Round, fresh: boolean): RowRole {
  if (row.event === 'round' && fresh) return 'fresh-start';
  return row.event;
}

function lastBatch(series: Series): number | null {
  const rows = series.deployRows;
  for (let i = rows.length - 1; i > 0; i--) {
    const step = (rows[i] as Series['deployRows'][number]).row.services - (rows[i - 1] as Series['deployRows'][number]).row.services;
    if (step > 0) return step;
  }
  return null;
}

/** The model projected: the chosen one, or the chosen live part plus a growing term whose 95 % interval excludes zero. */
function projectionModel(curve: CurveAnalysis): { fit: ModelFit; name: string } | null {
  const s = curve.selection;
  if (s === null || s.chosen.fit === null) return null;
  const chosen = { fit: s.chosen.fit, name: s.chosen.name };
  if (s.chosen.retention === 'per-deploy' || s.chosen.retention === 'retained-configs') return chosen;
  const kept = curve.keptPerDeploy.find((k) => k.ci95[0] > 0);
  if (kept === undefined) return chosen;
  const fit = fitExtended(curve.points, weightsOf(curve), s.chosen, kept.term === 'deploys' ? perDeployTerm : supersededTerm);
  return fit === null ? chosen : { fit, name: kept.model };
}

function weightsOf(curve: CurveAnalysis): number[] {
  return curve.points.map((p) => 1 / (p.memoryBytes ** 2 * (BETWEEN_DEPLOY_ALLOWANCE_FRACTION ** 2 + curve.pureError.relativeVariance / p.readings.length)));
}

interface Prediction {
  readonly projection: Projection | null;
  readonly model: string | null;
  readonly reachedInData: number | null;
  readonly limitBytes: number | null;
  readonly batch: number | null;
  readonly note: string;
}

function predict(series: Series, curve: CurveAnalysis, heapMaxBytes: number | null, peak: ReturnType<typeof estimateDeployPeakFactor>): Prediction {
  const empty = { projection: null, model: null, reachedInData: null, limitBytes: null, batch: null };
  if (heapMaxBytes === null) return { ...empty, note: 'no heap max known: pass --heap-max (or run with --gateway-heap-mb)' };
  const registrationBytesPerService = peak.registration?.perServiceBytes ?? 0;
  const batch = lastBatch(series);
  const limitBytes = deployLimitBytes(heapMaxBytes, peak.value, registrationBytesPerService, batch ?? 0);
  const lastRow = series.deployRows[series.deployRows.length - 1];
  if (lastRow === undefined) return { ...empty, limitBytes, note: 'no deploy rows' };
  const segment = series.deployRows.filter((d) => d.segment === lastRow.segment);
  for (let i = 0; i < segment.length; i++) {
    const d = segment[i] as (typeof segment)[number];
    // The next deploy starts from this memory plus what its own registration adds: none for a
    // redeploy, the next round's services for a round, a round of the last size past the data.
    const next = segment[i + 1]?.row.services ?? d.row.services + (batch ?? 0);
    if (d.row.memoryBytes < deployLimitBytes(heapMaxBytes, peak.value, registrationBytesPerService, next - d.row.services)) continue;
    return {
      ...empty,
      reachedInData: next,
      limitBytes,
      note: `the reading at ${d.row.services} services (since the last restart) already reaches the deploy limit: the deploy after it fails`,
    };
  }
  if (batch === null) return { ...empty, limitBytes, note: 'no round added services, so there is no growth to project' };
  const model = projectionModel(curve);
  const last: Point | undefined = curve.points[curve.points.length - 1];
  if (model === null || last === undefined) return { ...empty, limitBytes, batch, note: 'no curve model to project' };
  const samples = peak.source === 'measured' && peak.measured !== null ? peak.measured.factors : [];
  const edge = Math.max(...series.deployRows.map((d) => d.row.services)) * 4;
  const batchSamples = series.deployRows.flatMap((d, i) => {
    const step = d.row.services - (series.deployRows[i - 1]?.row.services ?? d.row.services);
    return i > 0 && d.row.event === 'round' && step > 0 ? [step] : [];
  });
  const projection = projectOom(
    model.fit,
    {
      last,
      batchServices: batch,
      heapMaxBytes,
      peakFactor: peak.value,
      peakFactorSamples: samples,
      registrationBytesPerService,
      registrationSamples: peak.registration?.samples ?? [],
      batchSamples,
    },
    edge,
  );
  const note =
    projection.services === null
      ? `${model.name} does not reach the deploy limit within the projection horizon`
      : `${model.name} projected from the last reading in rounds of ${batch} services; 95 % interval from ${projection.draws} draws of its coefficients${samples.length > 1 ? ', of the peak factor' : ''}${(peak.registration?.samples.length ?? 0) > 1 ? ', of the registration growth' : ''}${batchSamples.length > 1 ? ', of the round size' : ''}`;
  return { projection, model: model.name, reachedInData: null, limitBytes, batch, note };
}

function modelJson(curve: CurveAnalysis): ModelJson | null {
  const s = curve.selection;
  if (s === null || s.chosen.fit === null) return null;
  const fit = s.chosen.fit;
  const best = Math.min(...s.candidates.flatMap((c) => (c.fit === null ? [] : [c.fit.aicc])));
  const tests = new Map(s.tests.map((t) => [t.term, t]));
  const lof = curve.lackOfFit;
  return {
    chosen: s.chosen.name,
    live: s.chosen.live,
    retention: s.chosen.retention,
    bestByAicc: s.bestByAicc.name,
    candidates: s.candidates.map((c) => ({
      name: c.name,
      aicc: c.fit === null ? null : sig4(c.fit.aicc),
      deltaAicc: c.fit === null ? null : sig4(c.fit.aicc - best),
      parameters: c.fit?.parameters ?? null,
      scale: c.fit === null ? null : sig4(c.fit.scale),
      fixed: c.fit?.terms.find((t) => t.fixed !== null)?.fixed ?? null,
    })),
    setAside: s.setAside.map((x) => ({ name: x.name, term: x.term, p: sig4(x.p) })),
    terms: fit.terms.map((t, j) => {
      const est = fit.coefficients[j] as number;
      const se = Math.sqrt((fit.covariance[j] as readonly number[])[j] as number);
      const test = tests.get(t.name);
      const half = 1.96 * se;
      return {
        term: t.name,
        estimate: sig4(est),
        ci95: [sig4(est - half), sig4(est + half)] as [number | null, number | null],
        p: test ? sig4(test.p) : null,
        alpha: test?.alpha ?? null,
        fixed: t.fixed,
      };
    }),
    scale: sig4(fit.scale),
    dof: fit.dof,
    pureError: {
      sdFraction: sig4(Math.sqrt(curve.pureError.relativeVariance)),
      dof: Number.isFinite(curve.pureError.dof) ? curve.pureError.dof : null,
      source: curve.pureError.source,
    },
    lackOfFit: lof === null ? null : { f: sig4(lof.f), dof1: lof.dof1, dof2: Number.isFinite(lof.dof2) ? lof.dof2 : null, p: sig4(lof.p), fits: lof.fits },
    restarts: curve.restarts.map((r) => ({
      index: r.index,
      services: r.services,
      releasedBytes: roundBytes(r.released.estimate),
      ci95: amountCi(r.released, roundBytes),
      p: sig4(r.released.p),
      deploysBefore: r.deploysBefore,
    })),
    leftOut: curve.leftOut,
  };
}

/**
 * Analyses measurement rows (time order). Backs `gwscale analyze` and the analysis part of
 * report.json.
 */
export function analyzeRounds(rounds: readonly Round[], options: AnalysisOptions = {}): Analysis {
  // Rows are re-indexed by position so that `rows` lists and rounds[] agree whatever the input said.
  const rows = rounds.map((r, index) => (r.index === index ? r : { ...r, index }));
  const series = seriesOf(rows);
  const curveOptions: CurveOptions = { leakMarginFraction: options.leakMarginFraction ?? null, looks: options.looks ?? 1 };
  const curve = analyseCurve(series, curveOptions);
  const loadLooks = options.loadLooks ?? 1;
  // The terms' levels are split over the looks; the back-to-baseline check (a guard) stays at one look.
  const ctx = { series, noise: pooledNoiseScale(NaN, 0), looks: loadLooks };
  const concurrency = concurrencySteps(ctx, rows);
  const verdict = decide(curve, concurrencyRule(ctx, concurrency));
  const peak = estimateDeployPeakFactor(rows, options.deployPeakFactor ?? null);
  const deployTime = estimateDeployTimeExponent(rows);
  const heapMaxBytes = options.heapMaxBytes ?? null;
  const prediction = predict(series, curve, heapMaxBytes, peak);

  const fittedRows = curve.points.map((p) => p.index);
  const usedBy = new Map<number, string[]>();
  const use = (name: string, indices: readonly number[]): void => {
    for (const i of indices) {
      const list = usedBy.get(i) ?? [];
      if (!list.includes(name)) list.push(name);
      usedBy.set(i, list);
    }
  };
  for (const r of verdict.reasons) use(r.rule, r.rows);
  if (curve.perService) use('perServiceBytes', fittedRows);
  if (peak.measured) use('deployPeakFactor', peak.measured.rows);
  if (deployTime) use('deployTimeExponent', deployTime.rows);
  const superseded = new Map(series.deployRows.map((d) => [d.row.index, d.supersededServices]));
  const freshIndex = series.deployRows.find((d) => d.row.event !== 'restart')?.row.index;
  const fit = curve.selection?.chosen.fit ?? null;
  const fitted = new Map(fit === null ? [] : curve.points.map((p, i) => [p.index, fit.fitted[i] as number]));

  const kept = curve.keptPerDeploy[0];
  const keptInVerdict =
    kept !== undefined &&
    (curve.verdict === 'leak' || curve.selection?.chosen.retention === 'per-deploy' || curve.selection?.chosen.retention === 'retained-configs');
  const retainedPerDeploy =
    kept === undefined
      ? null
      : {
          value: roundBytes(kept.estimate),
          ci95: amountCi(kept, roundBytes),
          method: 'curve-model' as const,
          rows: fittedRows,
          note: `${keptInVerdict ? 'the chosen model' : `${kept.model} (the chosen model with a growing term added, for the equivalence test)`}: memory each deploy keeps at ${kept.atServices} services`,
          atServices: kept.atServices,
          upper95: roundBytes(kept.upper),
          p: sig4(kept.p),
          model: kept.model,
        };
  const projection = prediction.projection;
  const oomServices = prediction.reachedInData ?? projection?.services ?? null;
  const lastServices = curve.points[curve.points.length - 1]?.services ?? 0;

  return {
    schemaVersion: ANALYSIS_SCHEMA_VERSION,
    verdict,
    perServiceBytes: roundBytes(curve.perService?.estimate),
    retainedPerDeployBytes: roundBytes(kept?.estimate),
    boundedRetentionBytes: curve.verdict === 'bounded-retention' ? roundBytes(curve.bounded?.estimate) : null,
    leakMarginBytes: roundBytes(curve.marginBytes) ?? 0,
    deployPeakFactor: sig4(peak.value) ?? 1,
    deployTimeExponent: sig4(deployTime?.value),
    heapMaxBytes: roundBytes(heapMaxBytes),
    predictedOomServices: oomServices === null ? null : Math.floor(oomServices),
    predictedOomInterval:
      prediction.reachedInData !== null
        ? [Math.floor(prediction.reachedInData), Math.floor(prediction.reachedInData)]
        : projection === null
          ? null
          : [
              projection.interval[0] === null ? null : Math.floor(projection.interval[0]),
              projection.interval[1] === null ? null : Math.ceil(projection.interval[1]),
            ],
    bytesPerConcurrency: verdict.kind === 'concurrency-retention' ? roundBytes(concurrency?.pool?.estimate) : null,
    estimates: {
      perService:
        curve.perService === null
          ? null
          : {
              value: roundBytes(curve.perService.estimate),
              ci95: amountCi(curve.perService, roundBytes),
              method: 'curve-model',
              rows: fittedRows,
              note: `${curve.selection?.chosen.name ?? 'curve model'}: live memory per service at ${lastServices} services (${curve.selection?.chosen.live === 'superlinear' ? 'b + q·N, the average over the services registered' : 'the slope b'})`,
            },
      retainedPerDeploy,
      boundedRetention:
        curve.bounded === null
          ? null
          : {
              value: roundBytes(curve.bounded.estimate),
              ci95: amountCi(curve.bounded, roundBytes),
              method: 'curve-model',
              rows: fittedRows,
              note: `${curve.selection?.chosen.name}: size of the retention that levels off`,
            },
      deployPeakFactor: {
        source: peak.source,
        measured:
          peak.measured === null
            ? null
            : {
                median: sig4(peak.measured.median),
                min: sig4(peak.measured.min),
                max: sig4(peak.measured.max),
                deploys: peak.measured.deploys,
                rows: peak.measured.rows,
                kind: peak.measured.kind,
              },
        note: peak.note,
      },
      deployTimeExponent: estimateJson(deployTime, sig4),
      heapMax: { source: heapMaxBytes === null ? null : (options.heapMaxSource ?? 'option') },
      prediction: {
        model: prediction.model,
        reachedInData: prediction.reachedInData !== null,
        limitBytes: roundBytes(prediction.limitBytes),
        registrationBytesPerService: roundBytes(peak.registration?.perServiceBytes),
        batchServices: prediction.batch,
        draws: projection?.draws ?? 0,
        path: (projection?.path ?? []).map((p) => ({
          services: Math.round(p.services),
          memoryBytes: roundBytes(p.memoryBytes),
          lowBytes: roundBytes(p.lowBytes),
          highBytes: roundBytes(p.highBytes),
        })),
        note: prediction.note,
      },
      bytesPerConcurrency:
        concurrency === null || concurrency.pool === null
          ? null
          : {
              value: roundBytes(concurrency.pool.estimate),
              ci95: concurrency.poolCi95 === null ? null : [roundBytes(concurrency.poolCi95[0]), roundBytes(concurrency.poolCi95[1])],
              rows: concurrency.points.map((p) => p.row.index),
            },
      model: modelJson(curve),
      noise: {
        afterGcFraction: AFTER_GC_NOISE_FRACTION,
        sawtoothFraction: SAWTOOTH_FRACTION,
        betweenDeployAllowanceFraction: BETWEEN_DEPLOY_ALLOWANCE_FRACTION,
      },
    },
    rounds: rows.map((r) => ({
      ...r,
      role: roleOf(r, r.index === freshIndex),
      supersededServices: superseded.get(r.index) ?? null,
      fittedBytes: roundBytes(fitted.get(r.index)),
      usedBy: usedBy.get(r.index) ?? [],
    })),
  };
}
