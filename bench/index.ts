/**
 * `npm run bench`: every performance bench in turn, each measuring two things side by side in one
 * run so its ratio holds on a noisy shared machine. Prints one PASS/FAIL line per figure against
 * its target, writes bench/results/<name>.json per bench and bench/results/summary.json, and exits
 * 1 when any figure misses its target or a bench could not run.
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import * as analysisCost from './analysis-cost.js';
import * as capacity from './capacity.js';
import * as harnessMemory from './harness-memory.js';
import * as headroom from './headroom.js';
import * as overhead from './overhead.js';
import * as samplerCost from './sampler-cost.js';
import * as scale from './scale.js';
import * as traffic from './traffic.js';
import * as verdict from './verdict.js';
import { formatCheck, formatOutcome, sig, writeResult, type BenchOutcome, type Check } from './lib/check.js';
import { resultsDir } from './lib/paths.js';

const benches: readonly (readonly [string, () => Promise<BenchOutcome>])[] = [
  ['analysis-cost', analysisCost.run],
  ['sampler', samplerCost.run],
  ['capacity', capacity.run],
  ['harness-memory', harnessMemory.run],
  ['overhead', overhead.run],
  ['headroom', headroom.run],
  ['traffic', traffic.run],
  ['scale', scale.run],
  ['verdict', verdict.run],
];

const machine = { node: process.version, platform: `${process.platform} ${process.arch}`, cpus: cpus().length, loadAverage: loadavg().map((l) => sig(l)) };
const t0 = performance.now();
const lines: string[] = [];
const allChecks: Check[] = [];
let broken = 0;
// `npm run bench -- capacity sampler` runs only the named benches.
const only = process.argv.slice(2);
for (const [name, run] of benches) {
  if (only.length > 0 && !only.includes(name)) continue;
  const started = performance.now();
  process.stderr.write(`bench ${name}…\n`);
  try {
    const outcome = await run();
    writeResult(outcome, { machine, seconds: sig((performance.now() - started) / 1000) });
    allChecks.push(...outcome.checks);
    for (const line of formatOutcome(outcome)) {
      lines.push(line);
      console.log(line);
    }
  } catch (error) {
    broken++;
    const line = `FAIL  ${name}: could not run: ${error instanceof Error ? error.message : String(error)}`.slice(0, 600);
    lines.push(line);
    console.log(line);
  }
  process.stderr.write(`bench ${name}: ${sig((performance.now() - started) / 1000)} s\n`);
}
const totalSeconds = (performance.now() - t0) / 1000;
const failed = allChecks.filter((c) => !c.pass).length + broken;
console.log(
  `\n${allChecks.length - allChecks.filter((c) => !c.pass).length} of ${allChecks.length + broken} passed in ${sig(totalSeconds)} s; results in bench/results/`,
);
writeFileSync(
  join(resultsDir, 'summary.json'),
  JSON.stringify({ machine, totalSeconds: sig(totalSeconds), lines, checks: allChecks.map((c) => ({ ...c, line: formatCheck(c) })) }, null, 2) + '\n',
);
if (failed > 0) process.exitCode = 1;
