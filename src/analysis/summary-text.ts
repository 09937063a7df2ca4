/** The human summary `gwscale analyze` prints: verdict, every rule's answer, key numbers with units. A renderer: returns a string. */
import { formatBytes } from '../units.js';
import type { Analysis } from './analysis.js';

const MARK: Record<string, string> = { leak: 'LEAK', 'not-leak': 'ok', bounded: 'bounded', 'concurrency-retention': 'pool', 'no-say': '—' };

function range(ci: readonly [number | null, number | null] | null | undefined, format: (x: number | null) => string): string {
  return ci ? ` (95 % CI ${format(ci[0])} … ${format(ci[1])})` : '';
}

/** Renders the analysis for a terminal. */
export function renderAnalysisText(a: Analysis, source: string): string {
  const e = a.estimates;
  const lines: string[] = [];
  lines.push(`gwscale analyze: ${source}`);
  lines.push(`verdict: ${a.verdict.kind.toUpperCase()}${a.verdict.decidedBy ? ` (decided by ${a.verdict.decidedBy})` : ''}`);
  lines.push('');
  lines.push('rules, in order:');
  for (const r of a.verdict.reasons) {
    lines.push(`  ${MARK[r.answer] ?? r.answer} ${r.rule}: ${r.reason}`);
    if (r.answer === 'no-say' && r.needs) lines.push(`      to decide: ${r.needs}`);
  }
  lines.push('');
  lines.push('numbers:');
  const perService = e.perService;
  lines.push(`  live memory per service:    ${perService ? `${formatBytes(a.perServiceBytes)}${range(perService.ci95, formatBytes)} [${perService.method}]` : '—'}`);
  const perDeploy = e.retainedPerDeploy;
  lines.push(`  retained per deploy:        ${perDeploy ? `${formatBytes(a.retainedPerDeployBytes)}${range(perDeploy.ci95, formatBytes)} at ${perDeploy.atServices} services [${perDeploy.method}]` : '—'}`);
  if (a.boundedRetentionBytes !== null) lines.push(`  bounded retention:          ${formatBytes(a.boundedRetentionBytes)}`);
  if (a.bytesPerConcurrency !== null) lines.push(`  per unit of concurrency:    ${formatBytes(a.bytesPerConcurrency)}${range(e.bytesPerConcurrency?.ci95, formatBytes)}`);
  lines.push(`  deploy peak factor:         ${a.deployPeakFactor} [${e.deployPeakFactor.source}]`);
  lines.push(`  deploy time exponent:       ${a.deployTimeExponent ?? '—'}${range(e.deployTimeExponent?.ci95, (x) => String(x))}${e.deployTimeExponent ? ` [${e.deployTimeExponent.method}]` : ''}`);
  lines.push(`  heap max:                   ${a.heapMaxBytes === null ? '— (pass --heap-max)' : `${formatBytes(a.heapMaxBytes)} [${e.heapMax.source ?? ''}]`}`);
  const p = e.prediction;
  lines.push(
    `  out of memory at:           ${a.predictedOomServices === null ? `— (${p.note})` : `~${a.predictedOomServices} services (${p.reachedInData ? 'reached in the data' : `projected, ${p.model} model, rounds of ${p.batchServices}`})`}`,
  );
  if (a.verdict.needs.length > 0) {
    lines.push('');
    lines.push(`to decide: ${a.verdict.needs.join('; ')}`);
  }
  return lines.join('\n') + '\n';
}
