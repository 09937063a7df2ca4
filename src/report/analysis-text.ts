/** The human summary `gwscale analyze` prints: verdict, the chosen model, every test's answer, key numbers with units. A renderer: returns a string. */
import { formatBytes } from '../units.js';
import type { Analysis } from '../analysis/analysis.js';

const MARK: Record<string, string> = {
  leak: 'LEAK',
  'not-leak': 'ok',
  bounded: 'bounded',
  'concurrency-retention': 'pool',
  fits: 'fits',
  misfit: 'MISFIT',
  'no-say': '—',
};

function range(ci: readonly [number | null, number | null] | null | undefined, format: (x: number | null) => string): string {
  return ci ? ` (95 % CI ${format(ci[0])} … ${format(ci[1])})` : '';
}

/** Renders the analysis for a terminal. */
export function renderAnalysisText(a: Analysis, source: string): string {
  const e = a.estimates;
  const lines: string[] = [];
  lines.push(`gwscale analyze: ${source}`);
  lines.push(`verdict: ${a.verdict.kind.toUpperCase()}${a.verdict.decidedBy ? ` (decided by ${a.verdict.decidedBy})` : ''}`);
  lines.push(`  ${a.verdict.summary}`);
  if (e.model !== null) {
    lines.push('');
    lines.push(`curve model: ${e.model.chosen}${e.model.bestByAicc !== e.model.chosen ? ` (best by AICc: ${e.model.bestByAicc})` : ''}`);
    const ranked = [...e.model.candidates].filter((c) => c.deltaAicc !== null).sort((x, y) => (x.deltaAicc as number) - (y.deltaAicc as number));
    lines.push(
      `  candidates by ΔAICc: ${ranked
        .slice(0, 5)
        .map((c) => `${c.name} ${c.deltaAicc}`)
        .join(', ')}${ranked.length > 5 ? ', …' : ''}`,
    );
  }
  lines.push('');
  lines.push('tests:');
  for (const r of a.verdict.reasons) {
    lines.push(`  ${MARK[r.answer] ?? r.answer} ${r.rule}: ${r.reason}`);
    if (r.needs) lines.push(`      to decide: ${r.needs}`);
  }
  lines.push('');
  lines.push('numbers:');
  const perService = e.perService;
  lines.push(`  live memory per service:    ${perService ? `${formatBytes(a.perServiceBytes)}${range(perService.ci95, formatBytes)}` : '—'}`);
  const perDeploy = e.retainedPerDeploy;
  lines.push(
    `  kept per deploy:            ${perDeploy ? `${formatBytes(a.retainedPerDeployBytes)}${range(perDeploy.ci95, formatBytes)} at ${perDeploy.atServices} services; margin ${formatBytes(a.leakMarginBytes)}` : '—'}`,
  );
  if (a.boundedRetentionBytes !== null)
    lines.push(`  bounded retention:          ${formatBytes(a.boundedRetentionBytes)}${range(e.boundedRetention?.ci95, formatBytes)}`);
  if (a.bytesPerConcurrency !== null)
    lines.push(`  per unit of concurrency:    ${formatBytes(a.bytesPerConcurrency)}${range(e.bytesPerConcurrency?.ci95, formatBytes)}`);
  lines.push(`  deploy peak factor:         ${a.deployPeakFactor} [${e.deployPeakFactor.source}]`);
  lines.push(
    `  deploy time exponent:       ${a.deployTimeExponent ?? '—'}${range(e.deployTimeExponent?.ci95, (x) => String(x))}${e.deployTimeExponent ? ` [${e.deployTimeExponent.method}]` : ''}`,
  );
  lines.push(`  heap max:                   ${a.heapMaxBytes === null ? '— (pass --heap-max)' : `${formatBytes(a.heapMaxBytes)} [${e.heapMax.source ?? ''}]`}`);
  const p = e.prediction;
  const interval = a.predictedOomInterval === null ? '' : ` (95 % ${a.predictedOomInterval[0] ?? '?'} … ${a.predictedOomInterval[1] ?? 'beyond the horizon'})`;
  lines.push(
    `  out of memory at:           ${a.predictedOomServices === null ? `— (${p.note})` : `~${a.predictedOomServices} services${interval} (${p.reachedInData ? 'reached in the data' : `projected, ${p.model}, rounds of ${p.batchServices}`})`}`,
  );
  if (a.verdict.needs.length > 0) {
    lines.push('');
    lines.push(`to decide: ${a.verdict.needs.join('; ')}`);
  }
  return lines.join('\n') + '\n';
}
