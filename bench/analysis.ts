/**
 * Bench: one verdict over 10,000 rows must take well under a second. Run: npx tsx bench/analysis.ts
 * Prints the median of 5 runs for rounds only, rounds + redeploys, and rounds + traffic steps.
 */
import { analyzeRounds } from '../src/analysis/analysis.js';
import type { Round } from '../src/run-log/round.js';
import { HEALTHY, KiB, rowsOf, simulate, withLoad } from '../test/analysis-synthetic.js';

const ROWS = 10_000;
const cases: [string, Round[]][] = [
  [
    '10,000 rounds (retain-configs)',
    rowsOf(simulate({ ...HEALTHY, retainedPerSupersededServiceBytes: 1 }, { services: ROWS * 10, batch: 10 }), { afterGc: true }, 1).slice(0, ROWS),
  ],
  ['100 rounds + 9,900 redeploys', rowsOf(simulate(HEALTHY, { services: 10_000, batch: 100, redeploys: ROWS - 101 }), { afterGc: true }, 2)],
  [
    '100 rounds + 9,900 traffic steps',
    rowsOf(
      withLoad(
        simulate(HEALTHY, { services: 10_000, batch: 100 }),
        Array.from({ length: ROWS - 101 }, (_, i) => 1 + (i % 50)),
        'pool',
        64 * KiB,
      ),
      { afterGc: true },
      3,
    ),
  ],
];
for (const [name, rows] of cases) {
  const times: number[] = [];
  let kind = '';
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    kind = analyzeRounds(rows).verdict.kind;
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  console.log(`${name.padEnd(34)} ${rows.length} rows  median ${(times[2] as number).toFixed(0)} ms  (verdict ${kind})`);
}
