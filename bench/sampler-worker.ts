/**
 * Runs the harness's sampler loop (`startSampler`) on one process for a fixed time and prints the
 * CPU it cost this process, as one JSON line (`SamplerWorkerResult`).
 *
 *   node dist/.bench/bench/sampler-worker.js <reader> <pid> <intervalMs> <seconds>   (see benchScript)
 *
 * Readers: `product` (the RSS source a run uses: /proc/<pid>/statm kept open), `pidusage`,
 * `proc-file` (/proc/<pid>/stat opened and read each time), `none` (the loop and its timer only: the floor every reader pays).
 */
import pidusage from 'pidusage';
import { exitWithParent } from '../src/process/parent-watch.js';
import { procPageBytes, readProcStat } from '../src/sampling/proc-stat.js';
import { rssSource } from '../src/sampling/process-usage.js';
import { startSampler } from '../src/sampling/sampler.js';
import type { MemorySource } from '../src/sampling/source.js';

export type SamplerReader = 'product' | 'pidusage' | 'proc-file' | 'none';

export interface SamplerWorkerResult {
  readonly reader: SamplerReader;
  readonly cpuSeconds: number;
  readonly wallSeconds: number;
  readonly samples: number;
  readonly failures: number;
  readonly lastBytes: number;
}

function sourceOf(reader: SamplerReader, pid: number): MemorySource {
  const source = (read: () => Promise<number>): MemorySource => ({
    name: reader,
    measures: `RSS of process ${pid} via ${reader}`,
    read: async () => ({ bytes: await read(), source: reader, afterGc: false }),
  });
  switch (reader) {
    case 'product':
      return rssSource(pid);
    case 'pidusage':
      return source(async () => (await pidusage(pid)).memory);
    case 'proc-file': {
      const page = procPageBytes();
      return source(() => Promise.resolve(readProcStat(pid).rssPages * page));
    }
    case 'none':
      return source(() => Promise.resolve(0));
  }
}

async function main(): Promise<SamplerWorkerResult> {
  const [reader, pidText, intervalText, secondsText] = process.argv.slice(2);
  const pid = Number(pidText);
  const source = sourceOf(reader as SamplerReader, pid);
  // Warm up the reader's code paths before the measured window.
  for (let i = 0; i < 50; i++) await source.read();
  let lastBytes = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const sampler = startSampler(source, Number(intervalText), (reading) => (lastBytes = reading.bytes));
  await new Promise((resolve) => setTimeout(resolve, Number(secondsText) * 1000));
  const summary = await sampler.stop();
  const used = process.cpuUsage(cpu0);
  if (reader === 'pidusage' || reader === 'product') pidusage.clear();
  return {
    reader: reader as SamplerReader,
    cpuSeconds: (used.user + used.system) / 1e6,
    wallSeconds: (performance.now() - t0) / 1000,
    samples: summary.samples,
    failures: summary.failures,
    lastBytes,
  };
}

exitWithParent(() => process.exit(1));
main().then(
  // Exit explicitly: the stdin watch would keep the process alive.
  (result) => process.stdout.write(JSON.stringify(result) + '\n', () => process.exit(0)),
  (error: unknown) => {
    process.stderr.write(`sampler worker: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
