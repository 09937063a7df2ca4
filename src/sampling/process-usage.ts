/**
 * Process resident set size and CPU time, as the OS reports them (pidusage: /proc on Linux).
 * Works for any gateway process the harness started, whatever runtime it is written in.
 */
import pidusage from 'pidusage';
import type { MemoryReading, MemorySource } from './source.js';

export interface ProcessUsage {
  readonly rssBytes: number;
  /** User + system CPU time since the process started. */
  readonly cpuSeconds: number;
}

/** One reading of a process's RSS and CPU time; rejects when the process is gone. */
export async function readProcessUsage(pid: number): Promise<ProcessUsage> {
  const stats = await pidusage(pid);
  return { rssBytes: stats.memory, cpuSeconds: stats.ctime / 1000 };
}

/** Drops pidusage's per-process history and its timer, so a finished run holds no state. */
export function clearProcessHistory(): void {
  pidusage.clear();
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
