/**
 * Bench: null-gateway capacity. Registrations per second of harness CPU against a gateway that
 * answers every deployment call at once (bench/null-gateway.ts), at concurrency 1, 8 and 64, beside
 * the rate at which the reference gateway itself registers, measured in the same bench the same
 * way. Both leave out warm-up rounds. Target: capacity at every concurrency ≥ 10 × the reference
 * gateway's best rate.
 *
 *   npx tsx bench/capacity.ts   (BENCH_CAPACITY_SERVICES=6000, BENCH_REFERENCE_SERVICES=2500)
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check, isMain, runAlone, sig, type BenchOutcome } from './lib/check.js';
import { lastJsonLine, runNode } from './lib/children.js';
import { benchScript } from './lib/paths.js';
import { registrationTotals, type RegistrationTotals } from './lib/registration-cost.js';
import type { WorkerInput, WorkerResult } from './harness-worker.js';

const CONCURRENCIES = [1, 8, 64] as const;
const NULL_SERVICES = Number(process.env['BENCH_CAPACITY_SERVICES'] ?? 6000);
const REFERENCE_SERVICES = Number(process.env['BENCH_REFERENCE_SERVICES'] ?? 2500);
const TARGET_FACTOR = 10;

/** Runs the harness in its own process (bench/harness-worker.ts) and returns what it measured. */
export async function harnessRun(input: Omit<WorkerInput, 'outDir'>, name: string): Promise<WorkerResult> {
  const outDir = join(tmpdir(), `gwscale-bench-${name}-${process.pid}`);
  try {
    const result = await runNode(['--expose-gc', ...benchScript('harness-worker'), JSON.stringify({ ...input, outDir })], { timeoutMs: 600_000 });
    const measured = lastJsonLine<WorkerResult>(result);
    if (measured.state !== 'completed') throw new Error(`${name}: the run ended ${measured.state}`);
    return measured;
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

const rounded = (t: RegistrationTotals): Record<string, number> => Object.fromEntries(Object.entries(t).map(([k, v]: [string, number]) => [k, sig(v)]));

export async function run(): Promise<BenchOutcome> {
  const rows: Record<string, unknown>[] = [];
  const capacity = new Map<number, RegistrationTotals>();
  const reference = new Map<number, RegistrationTotals>();
  // Reference and null runs alternate, so both see the same machine at about the same time. Rounds
  // of a fifth (reference) and a sixth (null) of the services; the first one (two) are warm-up.
  for (const concurrency of CONCURRENCIES) {
    const ref = await harnessRun({ gateway: 'reference', services: REFERENCE_SERVICES, batch: Math.ceil(REFERENCE_SERVICES / 5), concurrency, memoryAt: [] }, `reference-c${concurrency}`);
    const nul = await harnessRun({ gateway: 'null', services: NULL_SERVICES, batch: Math.ceil(NULL_SERVICES / 6), concurrency, memoryAt: [] }, `null-c${concurrency}`);
    reference.set(concurrency, registrationTotals(ref.registration, 1));
    capacity.set(concurrency, registrationTotals(nul.registration, 2));
    rows.push({ concurrency, reference: rounded(reference.get(concurrency) as RegistrationTotals), nullGateway: rounded(capacity.get(concurrency) as RegistrationTotals) });
  }
  const best = Math.max(...[...reference.values()].map((t) => t.perSecond));
  const bestCpuBound = Math.max(...[...reference.values()].map((t) => t.perGatewayCpuSecond));
  const micros = (c: number): number => capacity.get(c)?.harnessMicrosPerRegistration ?? NaN;
  return {
    name: 'capacity',
    info: [
      `capacity: harness CPU per registration against the null gateway ${CONCURRENCIES.map((c) => `c=${c} ${sig(micros(c))} µs`).join(', ')}; ` +
        `the reference gateway registers at most ${sig(best)}/s and spends ${sig(1e6 / bestCpuBound)} µs of its own CPU per registration (${sig(bestCpuBound)}/s with a core to itself)`,
    ],
    checks: CONCURRENCIES.map((c) => check(`null-gateway capacity at c=${c} ÷ reference gateway's best rate (${sig(best)}/s)`, (capacity.get(c)?.perHarnessCpuSecond ?? NaN) / best, '>=', TARGET_FACTOR, '×')),
    data: {
      referenceBestRegistrationsPerSecond: sig(best),
      referenceCpuBoundRegistrationsPerSecond: sig(bestCpuBound),
      rows,
      note: 'warm-up rounds left out (reference: first of 5, null: first 2 of 6); capacity = registrations ÷ harness CPU seconds (process.cpuUsage of the harness process) over the registration phases; reference rate = registrations ÷ wall seconds of the same phases',
    },
  };
}

if (isMain(import.meta.url)) await runAlone(run);
