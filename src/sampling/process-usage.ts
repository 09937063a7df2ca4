/**
 * Process resident set size and CPU time, as the OS reports them: on Linux read directly from
 * kept-open procfs files (RSS from `/proc/<pid>/statm`, CPU from `/proc/<pid>/stat`: one pread each,
 * a few µs against pidusage's ≈250), pidusage elsewhere. Works for any gateway process the harness
 * started, whatever runtime it is written in.
 */
import pidusage from 'pidusage';
import { CLOCK_TICKS_PER_SECOND, closeProcStatFiles, hasProcStat, procPageBytes, readProcStatKeepOpen, readResidentPagesKeepOpen } from './proc-stat.js';
import type { MemoryReading, MemorySource } from './source.js';

export interface ProcessUsage {
  readonly rssBytes: number;
  /** User + system CPU time since the process started. */
  readonly cpuSeconds: number;
}

let procAvailable: boolean | null = null;

/** One reading of a process's RSS and CPU time; rejects when the process is gone. */
export async function readProcessUsage(pid: number): Promise<ProcessUsage> {
  procAvailable ??= hasProcStat();
  if (procAvailable) {
    const stat = readProcStatKeepOpen(pid);
    // A zombie (exited, not yet reaped) has no memory left to read: it is gone.
    if (stat.state === 'Z') throw new Error(`process ${pid} has exited`);
    // RSS from statm, as rssSource reads it: rows and deploy peaks in one kind of memory.
    return { rssBytes: readResidentPagesKeepOpen(pid) * procPageBytes(), cpuSeconds: stat.cpuTicks / CLOCK_TICKS_PER_SECOND };
  }
  const stats = await pidusage(pid);
  return { rssBytes: stats.memory, cpuSeconds: stats.ctime / 1000 };
}

/** Drops pidusage's per-process history and its timer and closes kept-open /proc files, so a finished run holds no state. */
export function clearProcessHistory(): void {
  pidusage.clear();
  closeProcStatFiles();
}

/** RSS of a process as a memory source (never after a GC: RSS includes garbage and allocator slack). */
export function rssSource(pid: number): MemorySource {
  return {
    name: 'rss',
    measures: 'resident set size of the gateway process, as the OS reports it',
    async read(): Promise<MemoryReading> {
      procAvailable ??= hasProcStat();
      // On Linux one pread of statm: the sampler reads this every 20 ms during a deploy.
      const bytes = procAvailable ? readResidentPagesKeepOpen(pid) * procPageBytes() : (await readProcessUsage(pid)).rssBytes;
      return { bytes, source: 'rss', afterGc: false };
    },
  };
}
