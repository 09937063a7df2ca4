/**
 * A process's CPU time and RSS read straight from Linux `/proc/<pid>/stat`: one synchronous read of
 * a small procfs file (never touches a disk), where pidusage makes several asynchronous reads per
 * call. The sampler reads every 20 ms during deploys, so this is the harness's hottest I/O.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';

/** The fields of `/proc/<pid>/stat` the harness uses. */
export interface ProcStat {
  /** One-letter state (R, S, D, Z, …). */
  readonly state: string;
  readonly ppid: number;
  /** User + system CPU time of the process itself, in clock ticks. */
  readonly cpuTicks: number;
  /** User + system CPU time of its reaped children, in clock ticks. */
  readonly childrenCpuTicks: number;
  /** Resident set size in pages. */
  readonly rssPages: number;
}

/**
 * Clock ticks per second of the times in `/proc/<pid>/stat` (USER_HZ). Linux fixes it at 100 on
 * every architecture Node supports; it is part of the kernel ABI, unlike the kernel's own HZ.
 */
export const CLOCK_TICKS_PER_SECOND = 100;

/**
 * Parses the text of `/proc/<pid>/stat`. The command name (field 2) may hold spaces and
 * parentheses, so fields are counted from the last `)`.
 * @throws Error when the text is not a stat line.
 */
export function parseProcStat(text: string): ProcStat {
  const close = text.lastIndexOf(')');
  const fields = close < 0 ? [] : text.slice(close + 2).split(' ');
  // fields[0] is field 3 (state) of proc(5): utime 14, stime 15, cutime 16, cstime 17, rss 24.
  const num = (field: number): number => Number(fields[field - 3]);
  const stat = { state: fields[0] ?? '', ppid: num(4), cpuTicks: num(14) + num(15), childrenCpuTicks: num(16) + num(17), rssPages: num(24) };
  if (fields.length < 22 || !Number.isFinite(stat.cpuTicks) || !Number.isFinite(stat.rssPages) || !Number.isFinite(stat.childrenCpuTicks)) {
    throw new Error(`not a /proc/<pid>/stat line: ${JSON.stringify(text.slice(0, 80))}`);
  }
  return stat;
}

/** Reads `/proc/<pid>/stat`; throws (ENOENT) when the process is gone. */
export function readProcStat(pid: number): ProcStat {
  return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'latin1'));
}

/** `/proc/<pid>/stat` files kept open by pid, so a repeated reading is one pread (the sampler reads every 20 ms). */
const openStatFiles = new Map<number, number>();
const MAX_OPEN_STAT_FILES = 16;
const statBuffer = Buffer.alloc(4096);

/**
 * Like {@link readProcStat}, through a kept-open file: ≈4 µs a reading instead of ≈20. A process
 * that is gone makes the read fail (ESRCH), which closes its file; so does {@link closeProcStatFiles}.
 */
export function readProcStatKeepOpen(pid: number): ProcStat {
  let fd = openStatFiles.get(pid);
  if (fd === undefined) {
    if (openStatFiles.size >= MAX_OPEN_STAT_FILES) closeProcStatFiles();
    fd = openSync(`/proc/${pid}/stat`, 'r');
    openStatFiles.set(pid, fd);
  }
  try {
    return parseProcStat(statBuffer.toString('latin1', 0, readSync(fd, statBuffer, 0, statBuffer.length, 0)));
  } catch (error) {
    openStatFiles.delete(pid);
    closeSync(fd);
    throw error;
  }
}

/** Closes the files {@link readProcStatKeepOpen} keeps open. */
export function closeProcStatFiles(): void {
  for (const fd of openStatFiles.values()) closeSync(fd);
  openStatFiles.clear();
}

let pageBytes: number | null = null;

/**
 * Bytes per page, found once by comparing this process's RSS as Node reports it with its resident
 * pages in `/proc/self/statm`, rounded to a power of two (4 KiB on x86-64, up to 64 KiB on arm64).
 */
export function procPageBytes(): number {
  if (pageBytes !== null) return pageBytes;
  const resident = Number(readFileSync('/proc/self/statm', 'latin1').split(' ')[1]);
  const ratio = process.memoryUsage.rss() / resident;
  pageBytes = Number.isFinite(ratio) && ratio > 0 ? 2 ** Math.round(Math.log2(ratio)) : 4096;
  return pageBytes;
}

/** True when `/proc/<pid>/stat` can be read here (Linux); elsewhere callers fall back to pidusage. */
export function hasProcStat(): boolean {
  try {
    readProcStat(process.pid);
    return true;
  } catch {
    return false;
  }
}
