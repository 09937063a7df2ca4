/** The handful of numbers a reader wants first, in the same order in report.html, report.md and the terminal. */
import { formatBytes, formatCount, formatNumber } from './format.js';
import type { Report } from './build.js';

export interface KeyNumber {
  readonly key: string;
  readonly label: string;
  /** The value as people read it. */
  readonly value: string;
  /** A second line: the interval, the method, where the number came from. */
  readonly detail: string;
}

const ciText = (ci: readonly [number | null, number | null] | null | undefined, format: (n: number) => string): string =>
  ci && ci[0] !== null && ci[1] !== null ? `95% CI ${format(ci[0])} – ${format(ci[1])}` : 'no confidence interval (too few rows)';

/** Key numbers of a run; rows that do not apply (no traffic steps, no bounded retention) are left out. */
export function keyNumbers(report: Report): KeyNumber[] {
  const e = report.estimates;
  const out: KeyNumber[] = [
    {
      key: 'perServiceBytes',
      label: 'Memory per service',
      value: formatBytes(report.perServiceBytes),
      detail: e.perService === null ? 'not estimable from these rows' : ciText(e.perService.ci95, formatBytes),
    },
    {
      key: 'retainedPerDeployBytes',
      label: 'Retained per deploy',
      value: formatBytes(report.retainedPerDeployBytes),
      detail:
        e.retainedPerDeploy === null
          ? 'no estimate (no redeploys, restart or retention term)'
          : `${ciText(e.retainedPerDeploy.ci95, formatBytes)} at ${formatCount(e.retainedPerDeploy.atServices)} services`,
    },
    {
      key: 'deployPeakFactor',
      label: 'Deploy peak factor',
      value: `${formatNumber(report.deployPeakFactor)}×`,
      detail:
        e.deployPeakFactor.source === 'measured' && e.deployPeakFactor.measured !== null
          ? `median of ${e.deployPeakFactor.measured.deploys} deploys (${formatNumber(e.deployPeakFactor.measured.min)}–${formatNumber(e.deployPeakFactor.measured.max)}×)`
          : e.deployPeakFactor.source === 'option'
            ? 'given by --deploy-peak-factor'
            : 'assumed: no deploy peaks measured',
    },
    {
      key: 'deployTimeExponent',
      label: 'Deploy time exponent',
      value: report.deployTimeExponent === null ? '—' : `services^${formatNumber(report.deployTimeExponent)}`,
      detail: e.deployTimeExponent === null ? 'too few deploys' : ciText(e.deployTimeExponent.ci95, (n) => formatNumber(n)),
    },
    {
      key: 'predictedOomServices',
      label: 'Out of memory at',
      value: report.predictedOomServices === null ? '—' : `≈ ${formatCount(report.predictedOomServices)} services`,
      detail:
        report.predictedOomInterval === null || report.predictedOomInterval === undefined || report.estimates.prediction.reachedInData
          ? e.prediction.note
          : `95% interval ${formatCount(report.predictedOomInterval[0])} – ${report.predictedOomInterval[1] === null ? 'beyond the horizon' : formatCount(report.predictedOomInterval[1])}; ${e.prediction.note}`,
    },
    {
      key: 'heapMaxBytes',
      label: 'Heap max',
      value: formatBytes(report.heapMaxBytes),
      detail:
        e.heapMax.source === 'option'
          ? 'given by --heap-max'
          : e.heapMax.source === 'run-settings'
            ? typeof report.settings.heapMaxBytes === 'number'
              ? 'given to the run by --heap-max'
              : "the gateway's heap setting in this run"
            : 'unknown: pass --heap-max for a prediction',
    },
  ];
  // Where a sequential test stopped, and why: `steps` redeploys or repeats.
  const sequentialLine = (key: string, label: string, flag: string, s: { decided: string | null; max: number; reason: string }, steps: number): KeyNumber => ({
    key,
    label,
    value: `${s.decided ?? 'undecided'} after ${steps}`,
    detail: `${flag} auto:${s.max}; ${s.reason}`,
  });
  const redeploys = report.sequentialRedeploys;
  if (redeploys !== null) out.push(sequentialLine('sequentialRedeploys', 'Sequential redeploys', '--redeploys', redeploys, redeploys.redeploys));
  const repeats = report.sequentialLoadRepeats;
  if (repeats !== null) out.push(sequentialLine('sequentialLoadRepeats', 'Sequential traffic repeats', '--load-repeats', repeats, repeats.repeats));
  if (report.bytesPerConcurrency !== null) {
    out.push({
      key: 'bytesPerConcurrency',
      label: 'Kept per unit of concurrency',
      value: formatBytes(report.bytesPerConcurrency),
      detail: ciText(e.bytesPerConcurrency?.ci95, formatBytes),
    });
  }
  if (report.boundedRetentionBytes !== null) {
    out.push({
      key: 'boundedRetentionBytes',
      label: 'Bounded retention',
      value: formatBytes(report.boundedRetentionBytes),
      detail: 'extra memory that levelled off',
    });
  }
  return out;
}
