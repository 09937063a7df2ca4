/**
 * The analysis of a run: rows in, verdict and numbers out. Pure and deterministic — the same rows
 * give byte-identical JSON — so a verdict can be recomputed from a saved run log or a CSV.
 */
import type { Round } from './round.js';
import { seriesOf } from './series.js';
import { fitRetentionModel } from './retention-model.js';
import { AFTER_GC_NOISE_FRACTION, pooledNoiseScale, SAWTOOTH_FRACTION } from './noise.js';
import { analysePlateaus } from './plateau.js';
import { repeatedRowsNoise } from './repeat-noise.js';
import { restartComparisons, restartDropRule } from './rules/restart-drop.js';
import { constantServicesTrend, constantServicesTrendRule } from './rules/constant-services-trend.js';
import { shapeRule } from './rules/shape.js';
import { concurrencyRule, concurrencySteps } from './rules/concurrency.js';
import { plateauRule } from './rules/plateau.js';
import type { RuleContext } from './rules/context.js';
import type { RuleName, RuleResult } from './rules/rule.js';
import { decide, type Verdict } from './verdict.js';
import { estimatePerService, type PerServiceMethod } from './per-service.js';
import { estimateRetainedPerDeploy, type PerDeployMethod } from './per-deploy.js';
import { estimateDeployPeakFactor, type PeakFactorSource } from './deploy-peak.js';
import { estimateDeployTimeExponent, type DeployTimeMethod } from './deploy-time.js';
import { predictOom, type OomPrediction } from './oom-prediction.js';
import type { Estimate } from './estimate.js';
import { roundBytes, sig4 } from './rounding.js';

/** Bump when a field of `Analysis` changes meaning or goes away; adding fields does not bump it. */
export const ANALYSIS_SCHEMA_VERSION = 1;

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
  /** Rules and estimates that read this row. */
  readonly usedBy: readonly string[];
};

export interface Analysis {
  readonly schemaVersion: typeof ANALYSIS_SCHEMA_VERSION;
  readonly verdict: Verdict;
  /** Live memory one registered service costs, bytes. */
  readonly perServiceBytes: number | null;
  /** Memory kept per deploy beyond the live set, bytes (at `estimates.retainedPerDeploy.atServices`). */
  readonly retainedPerDeployBytes: number | null;
  /** Size of retention that levels off (plateau), bytes. */
  readonly boundedRetentionBytes: number | null;
  /** Peak during a deploy ÷ memory before it, as used for the prediction. */
  readonly deployPeakFactor: number;
  /** k in deploy time ∝ servicesᵏ. */
  readonly deployTimeExponent: number | null;
  readonly heapMaxBytes: number | null;
  /** Services at which memory in use × deploy peak factor reaches the heap max. */
  readonly predictedOomServices: number | null;
  /** Idle memory kept per unit of the highest concurrency reached, bytes. */
  readonly bytesPerConcurrency: number | null;
  readonly estimates: {
    readonly perService: EstimateJson<PerServiceMethod> | null;
    readonly retainedPerDeploy: (EstimateJson<PerDeployMethod> & { readonly atServices: number }) | null;
    readonly deployPeakFactor: {
      readonly source: PeakFactorSource;
      readonly measured: { readonly median: number | null; readonly min: number | null; readonly max: number | null; readonly deploys: number; readonly rows: readonly number[] } | null;
      readonly note: string;
    };
    readonly deployTimeExponent: EstimateJson<DeployTimeMethod> | null;
    readonly heapMax: { readonly source: HeapMaxSource | null };
    /** How `predictedOomServices` was reached (the count itself is the top-level field). */
    readonly prediction: Omit<OomPrediction, 'services'>;
    /** The pool term even when the verdict is not concurrency-retention. */
    readonly bytesPerConcurrency: { readonly value: number | null; readonly ci95: readonly [number | null, number | null] | null; readonly rows: readonly number[] } | null;
    /** memory ≈ base + perService·services + retained·supersededServices over all deploy rows. */
    readonly growthModel: {
      readonly baseBytes: number | null;
      readonly perServiceBytes: number | null;
      readonly retainedPerSupersededServiceBytes: number | null;
      readonly rows: number;
    } | null;
    readonly noise: {
      readonly afterGcFraction: number;
      readonly sawtoothFraction: number;
      /** Residual scatter ÷ the prior noise (≥ 1), pooled. */
      readonly scale: number | null;
      readonly dof: number;
    };
  };
  readonly rounds: readonly AnalysedRound[];
}

function estimateJson<M extends string>(e: Estimate<M> | null, round: (x: number) => number | null): EstimateJson<M> | null {
  if (e === null) return null;
  return { value: round(e.value), ci95: e.ci95 === null ? null : [round(e.ci95[0]), round(e.ci95[1])], method: e.method, rows: e.rows, note: e.note };
}

function roleOf(row: Round, fresh: boolean): RowRole {
  if (row.event === 'round' && fresh) return 'fresh-start';
  return row.event;
}

/** Rules in chain order. */
export const RULE_ORDER: readonly RuleName[] = ['restart-drop', 'constant-services-trend', 'shape', 'concurrency', 'plateau'];

/**
 * Analyses measurement rows (time order). Backs `gwscale analyze` and the analysis part of
 * report.json.
 */
export function analyzeRounds(rounds: readonly Round[], options: AnalysisOptions = {}): Analysis {
  // Rows are re-indexed by position so that `rows` lists and rounds[] agree whatever the input said.
  const rows = rounds.map((r, index) => (r.index === index ? r : { ...r, index }));
  const series = seriesOf(rows);
  const model = fitRetentionModel(series.deployRows);
  const noise = repeatedRowsNoise(series) ?? model?.noise ?? pooledNoiseScale(NaN, 0);
  const plateau = analysePlateaus(series, noise);
  const maxServices = Math.max(0, ...series.deployRows.map((d) => d.row.services));
  const ctx: RuleContext = {
    series,
    model,
    noise,
    plateau,
    suggestedRestartAt: maxServices > 0 ? maxServices : null,
  };
  const trend = constantServicesTrend(ctx);
  // Fixed key order so that report.json reads the same for every rule.
  const reasons: RuleResult[] = [restartDropRule(ctx), constantServicesTrendRule(ctx, trend), shapeRule(ctx), concurrencyRule(ctx, rows), plateauRule(ctx)].map(
    (r) => ({ rule: r.rule, answer: r.answer, reason: r.reason, numbers: r.numbers, needs: r.needs, sawRetention: r.sawRetention, rows: r.rows }),
  );
  const verdict = decide(reasons);

  const restarts = restartComparisons(ctx);
  const retains =
    (verdict.kind === 'leak' && verdict.decidedBy !== 'concurrency') || restarts.some((c) => c.significant) || model?.retentionTest?.significant === true;
  const perService = estimatePerService(series, model, retains);
  const perDeploy = estimateRetainedPerDeploy(series, trend, model, restarts);
  const peak = estimateDeployPeakFactor(rows, options.deployPeakFactor ?? null);
  const deployTime = estimateDeployTimeExponent(rows);
  const heapMaxBytes = options.heapMaxBytes ?? null;
  const prediction = predictOom({
    series,
    model,
    perServiceBytes: perService?.value ?? null,
    retains: retains && verdict.kind === 'leak',
    heapMaxBytes,
    peakFactor: peak.value,
  });
  const concurrency = concurrencySteps(ctx, rows);

  const usedBy = new Map<number, string[]>();
  const use = (name: string, indices: readonly number[]): void => {
    for (const i of indices) {
      const list = usedBy.get(i) ?? [];
      if (!list.includes(name)) list.push(name);
      usedBy.set(i, list);
    }
  };
  for (const r of reasons) use(r.rule, r.rows);
  if (perService) use('perServiceBytes', perService.rows);
  if (perDeploy) use('retainedPerDeployBytes', perDeploy.rows);
  if (peak.measured) use('deployPeakFactor', peak.measured.rows);
  if (deployTime) use('deployTimeExponent', deployTime.rows);
  const superseded = new Map(series.deployRows.map((d) => [d.row.index, d.supersededServices]));
  const freshIndex = series.deployRows.find((d) => d.row.event !== 'restart')?.row.index;

  return {
    schemaVersion: ANALYSIS_SCHEMA_VERSION,
    verdict,
    perServiceBytes: roundBytes(perService?.value),
    retainedPerDeployBytes: roundBytes(perDeploy?.value),
    boundedRetentionBytes: roundBytes(plateau.boundedBytes),
    deployPeakFactor: sig4(peak.value) ?? 1,
    deployTimeExponent: sig4(deployTime?.value),
    heapMaxBytes: roundBytes(heapMaxBytes),
    predictedOomServices: prediction.services === null ? null : Math.floor(prediction.services),
    bytesPerConcurrency: verdict.kind === 'concurrency-retention' ? roundBytes(concurrency?.pool?.estimate) : null,
    estimates: {
      perService: estimateJson(perService, roundBytes),
      retainedPerDeploy: perDeploy === null ? null : { ...(estimateJson(perDeploy, roundBytes) as EstimateJson<PerDeployMethod>), atServices: perDeploy.atServices },
      deployPeakFactor: {
        source: peak.source,
        measured:
          peak.measured === null
            ? null
            : { median: sig4(peak.measured.median), min: sig4(peak.measured.min), max: sig4(peak.measured.max), deploys: peak.measured.deploys, rows: peak.measured.rows },
        note: peak.note,
      },
      deployTimeExponent: estimateJson(deployTime, sig4),
      heapMax: { source: heapMaxBytes === null ? null : (options.heapMaxSource ?? 'option') },
      prediction: {
        model: prediction.model,
        reachedInData: prediction.reachedInData,
        limitBytes: roundBytes(prediction.limitBytes),
        batchServices: prediction.batchServices,
        perServiceBytes: roundBytes(prediction.perServiceBytes),
        retainedPerSupersededServiceBytes: roundBytes(prediction.retainedPerSupersededServiceBytes),
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
      growthModel:
        model === null
          ? null
          : {
              baseBytes: roundBytes(model.baseBytes),
              perServiceBytes: roundBytes(model.perServiceBytes),
              retainedPerSupersededServiceBytes: model.hasRetentionTerm ? roundBytes(model.retainedPerSupersededServiceBytes) : null,
              rows: model.rows.length,
            },
      noise: { afterGcFraction: AFTER_GC_NOISE_FRACTION, sawtoothFraction: SAWTOOTH_FRACTION, scale: sig4(noise.scale), dof: noise.dof },
    },
    rounds: rows.map((r) => ({
      ...r,
      role: roleOf(r, r.index === freshIndex),
      supersededServices: superseded.get(r.index) ?? null,
      usedBy: usedBy.get(r.index) ?? [],
    })),
  };
}
