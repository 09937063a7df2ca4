/**
 * Bench: the harness's own memory as services accumulate. One harness process registers 20,000
 * services against the null gateway in rounds of 1,000 and reads its RSS and heap after a forced
 * GC after each checkpoint round. Target: growth from 1,000 to 20,000 services ≤ 64 MiB for both.
 *
 *   npx tsx bench/harness-memory.ts   (BENCH_MEMORY_SERVICES=20000)
 */
import { MiB } from '../src/units.js';
import { harnessRun } from './capacity.js';
import { check, isMain, runAlone, sig, type BenchOutcome } from './lib/check.js';
import { registrationTotals } from './lib/registration-cost.js';

const SERVICES = Number(process.env['BENCH_MEMORY_SERVICES'] ?? 20_000);
const BATCH = 1000;
const TARGET_GROWTH_MIB = 64;

export async function run(): Promise<BenchOutcome> {
  const checkpoints = [BATCH, 2000, 5000, 10_000, SERVICES].filter((n, i, all) => n <= SERVICES && all.indexOf(n) === i);
  const result = await harnessRun({ gateway: 'null', services: SERVICES, batch: BATCH, concurrency: 8, memoryAt: checkpoints }, 'memory');
  const first = result.memory.find((m) => m.services === BATCH);
  const last = result.memory.find((m) => m.services === SERVICES);
  const growth = (key: 'rssBytes' | 'heapUsedBytes'): number => (first && last ? (last[key] - first[key]) / MiB : NaN);
  // Harness CPU per registration, last quarter of the rounds against the second (the first is JIT warm-up).
  const quarter = Math.max(1, Math.floor(result.registration.length / 4));
  const perRound = result.registration.map((r) => (r.harnessCpuSeconds * 1e6) / r.services);
  const cpuGrowth =
    registrationTotals(result.registration, result.registration.length - quarter).harnessMicrosPerRegistration /
    registrationTotals(result.registration.slice(0, 2 * quarter), quarter).harnessMicrosPerRegistration;
  return {
    name: 'harness-memory',
    checks: [
      check(`harness RSS growth, ${BATCH} → ${SERVICES} services (after GC)`, growth('rssBytes'), '<=', TARGET_GROWTH_MIB, 'MiB'),
      check(`harness heap growth, ${BATCH} → ${SERVICES} services (after GC)`, growth('heapUsedBytes'), '<=', TARGET_GROWTH_MIB, 'MiB'),
      check('harness CPU per registration, last quarter ÷ second quarter of rounds', cpuGrowth, '<=', 1.5, '×'),
    ],
    data: {
      services: SERVICES,
      batch: BATCH,
      checkpoints: result.memory.map((m) => ({
        services: m.services,
        rssMiB: sig(m.rssBytes / MiB),
        heapUsedMiB: sig(m.heapUsedBytes / MiB),
        heapTotalMiB: sig(m.heapTotalBytes / MiB),
        externalMiB: sig(m.externalBytes / MiB),
      })),
      registerCpuMicrosPerRound: perRound.map((x) => sig(x)),
      runLogBytes: result.runLogBytes,
      harnessCpuSeconds: result.harnessCpuSeconds,
      wallSeconds: result.wallSeconds,
    },
  };
}

if (isMain(import.meta.url)) await runAlone(run);
