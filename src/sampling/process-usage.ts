/**
 * Process resident set size and CPU time, as the OS reports them: `/proc/<pid>/stat` read directly
 * on Linux (one pread of a kept-open file: a few µs against pidusage's ≈250), pidusage elsewhere.
 * Works for any gateway process the harness started, whatever runtime it is written in.
 */
import pidusage from 'pidusage';
import { CLOCK_TICKS_PER_SECOND, closeProcStatFiles, hasProcStat, procPageBytes, readProcStatKeepOpen } from './proc-stat.js';
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
    return { rssBytes: stat.rssPages * procPageBytes(), cpuSeconds: stat.cpuTicks / CLOCK_TICKS_PER_SECOND };
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
      const usage = await readProcessUsage(pid);
      return { bytes: usage.rssBytes, source: 'rss', afterGc: false };
    },
  };
}
