/**
 * Bench: `gwscale analyze` on a run log of 10,000 measurement rows (synthesised: a leaking gateway
 * with a restart, redeploys and deploy samples), through the API the CLI calls (file read, parse,
 * analysis). Median of 5. Target: < 1 s. Re-rendering the run folder's reports from the same log
 * (`gwscale report`) is timed beside it, without a target.
 *
 *   npx tsx bench/analysis-cost.ts   (BENCH_ANALYSIS_ROWS=10000)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze } from '../src/api/analyze.js';
import { renderRunFolder } from '../src/api/report.js';
import { RUN_LOG_FILE } from '../src/driver/run-log.js';
import { check, isMain, runAlone, sig, type BenchOutcome } from './lib/check.js';
import { syntheticRunLog } from './lib/synthetic-log.js';

const ROWS = Number(process.env['BENCH_ANALYSIS_ROWS'] ?? 10_000);
const REPEATS = 5;

function medianMs(work: () => void): number {
  const times: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const t0 = performance.now();
    work();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(REPEATS / 2)] ?? NaN;
}

export function run(): Promise<BenchOutcome> {
  const dir = mkdtempSync(join(tmpdir(), 'gwscale-bench-analysis-'));
  try {
    const text = syntheticRunLog({
      rows: ROWS,
      batch: 10,
      baseBytes: 120e6,
      retainedPerServiceBytes: 1600,
      noiseBytes: 4e6,
      redeploys: 100,
      samplesPerDeploy: 2,
      seed: 42,
    });
    writeFileSync(join(dir, RUN_LOG_FILE), text);
    let verdict = '';
    const analyzeMs = medianMs(() => (verdict = analyze({ runDir: dir }).analysis.verdict.kind));
    const reportMs = medianMs(() => renderRunFolder(dir));
    return Promise.resolve({
      name: 'analysis-cost',
      info: [`analysis: verdict ${verdict}; \`gwscale report\` on the same log (4 files) ${sig(reportMs)} ms`],
      checks: [check(`analyze: run log of ${ROWS} rows (median of ${REPEATS})`, analyzeMs / 1000, '<=', 1, 's')],
      data: { rows: ROWS, runLogBytes: Buffer.byteLength(text), analyzeMs: sig(analyzeMs), reportMs: sig(reportMs), verdict },
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) await runAlone(run);
