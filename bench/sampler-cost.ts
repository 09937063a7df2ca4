/**
 * Bench: the sampler's CPU while it reads a process's RSS every 20 ms for 30 s, as a share of one
 * core. Four workers run side by side on the same idle target: the reader runs use (`product`:
 * /proc/<pid>/statm kept open), pidusage, /proc/<pid>/stat opened each time, and the bare loop
 * (`none`). Target: product ≤ 2 %.
 *
 *   npm run bench  (all benches), or alone: npx tsx bench/sampler-cost.ts  (BENCH_SAMPLER_SECONDS=30)
 */
import { spawn } from 'node:child_process';
import { check, isMain, runAlone, sig, type BenchOutcome } from './lib/check.js';
import { lastJsonLine, runNode } from './lib/children.js';
import { benchScript } from './lib/paths.js';
import type { SamplerReader, SamplerWorkerResult } from './sampler-worker.js';

const INTERVAL_MS = 20;
const SECONDS = Number(process.env['BENCH_SAMPLER_SECONDS'] ?? 30);
const READERS: readonly SamplerReader[] = ['product', 'pidusage', 'proc-file', 'none'];

export async function run(): Promise<BenchOutcome> {
  // The process sampled: an idle Node process, like a gateway between requests.
  const target = spawn(process.execPath, ['-e', 'process.stdin.on("end", () => process.exit(0)).resume(); setInterval(() => {}, 1000);'], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  const pid = target.pid;
  if (pid === undefined) throw new Error('could not start the sampled process');
  try {
    const results = await Promise.all(
      READERS.map(async (reader) =>
        lastJsonLine<SamplerWorkerResult>(
          await runNode([...benchScript('sampler-worker'), reader, String(pid), String(INTERVAL_MS), String(SECONDS)], { timeoutMs: (SECONDS + 60) * 1000 }),
        ),
      ),
    );
    const by = new Map(results.map((r) => [r.reader, r]));
    const share = (r: SamplerWorkerResult | undefined): number => (r === undefined ? NaN : (100 * r.cpuSeconds) / r.wallSeconds);
    const rows = results.map((r) => ({
      reader: r.reader,
      samples: r.samples,
      failures: r.failures,
      cpuSeconds: sig(r.cpuSeconds),
      shareOfOneCorePercent: sig(share(r)),
      cpuMicrosPerSample: sig((r.cpuSeconds * 1e6) / Math.max(1, r.samples)),
    }));
    const floor = by.get('none')?.cpuSeconds ?? 0;
    const perRead = (r: SamplerWorkerResult | undefined): number => (r === undefined ? NaN : ((r.cpuSeconds - floor) * 1e6) / Math.max(1, r.samples));
    return {
      name: 'sampler',
      checks: [check(`sampler CPU at ${INTERVAL_MS} ms for ${SECONDS} s (reader runs use), % of one core`, share(by.get('product')), '<=', 2, '%')],
      data: {
        intervalMs: INTERVAL_MS,
        seconds: SECONDS,
        readers: rows,
        readCostMicros: { pidusage: sig(perRead(by.get('pidusage'))), procFile: sig(perRead(by.get('proc-file'))), product: sig(perRead(by.get('product'))) },
        note: 'workers ran side by side; readCostMicros = (reader CPU − bare loop CPU) ÷ samples',
      },
    };
  } finally {
    target.kill('SIGKILL');
  }
}

if (isMain(import.meta.url)) await runAlone(run);
