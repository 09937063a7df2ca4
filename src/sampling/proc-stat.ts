/**
 * A process's CPU time and RSS read straight from Linux `/proc/<pid>/stat` and `/proc/<pid>/statm`:
 * one synchronous read of a small procfs file (never touches a disk), where pidusage makes several
 * asynchronous reads per call. The sampler reads RSS every 20 ms during deploys, so this is the
 * harness's hottest I/O.
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
/** `/proc/<pid>/statm` files kept open by pid, for {@link readResidentPagesKeepOpen}. */
const openStatmFiles = new Map<number, number>();
const MAX_OPEN_STAT_FILES = 16;
const statBuffer = Buffer.alloc(4096);

/**
 * Like {@link readProcStat}, through a kept-open file: ≈4 µs a reading instead of ≈20. A process
 * that is gone makes the read fail (ESRCH), which closes its file; so does {@link closeProcStatFiles}.
 */
export function readProcStatKeepOpen(pid: number): ProcStat {
  return readKeptOpen(openStatFiles, pid, 'stat', statBuffer, (length) => parseProcStat(statBuffer.toString('latin1', 0, length)));
}

/**
 * One pread from offset 0 of `/proc/<pid>/<name>`, opened on first use and kept in `files`; `read`
 * gets the length read into `buffer`. Any error (the read's or `read`'s) closes every file kept for
 * the pid — the process is gone or going, and a new one may get its number — and is thrown on.
 */
function readKeptOpen<T>(files: Map<number, number>, pid: number, name: string, buffer: Buffer, read: (length: number) => T): T {
  let fd = files.get(pid);
  if (fd === undefined) {
    if (files.size >= MAX_OPEN_STAT_FILES) closeProcStatFiles();
    fd = openSync(`/proc/${pid}/${name}`, 'r');
    files.set(pid, fd);
  }
  try {
    return read(readSync(fd, buffer, 0, buffer.length, 0));
  } catch (error) {
    for (const kept of [openStatFiles, openStatmFiles]) closeQuietly(kept, pid);
    throw error;
  }
}

/** Closes the file kept for `pid` in `files`, if any; a failing close is not worth more than the error at hand. */
function closeQuietly(files: Map<number, number>, pid: number): void {
  const fd = files.get(pid);
  files.delete(pid);
  try {
    if (fd !== undefined) closeSync(fd);
  } catch {
    // Already closed or never valid: nothing is held either way.
  }
}

const statmBuffer = Buffer.alloc(256);
const SPACE = 0x20;
const NEWLINE = 0x0a;
const ZERO = 0x30;

/**
 * The resident pages (field 2) of a `/proc/<pid>/statm` text in `bytes[0, length)`, read from the
 * bytes without making a string; -1 when both size and resident are 0 (a zombie: its memory is
 * gone).
 * @throws Error when the text is not a statm line.
 */
export function parseStatmResidentPages(bytes: Uint8Array, length: number): number {
  const refuse = (): Error =>
    new Error(`not a /proc/<pid>/statm line: ${JSON.stringify(Buffer.from(bytes.subarray(0, Math.min(length, 80))).toString('latin1'))}`);
  // Field 1 (size) then field 2 (resident): decimal digits, each field ended by a space (or, for
  // the second, a newline).
  let i = 0;
  const field = (): number => {
    const start = i;
    let value = 0;
    for (; i < length; i++) {
      const digit = (bytes[i] as number) - ZERO;
      if (digit < 0 || digit > 9) break;
      value = value * 10 + digit;
    }
    if (i === start || i >= length || (bytes[i] !== SPACE && bytes[i] !== NEWLINE) || !Number.isSafeInteger(value)) throw refuse();
    i++;
    return value;
  };
  const size = field();
  if (bytes[i - 1] !== SPACE) throw refuse();
  const resident = field();
  return size === 0 && resident === 0 ? -1 : resident;
}

/**
 * Resident pages of a process from `/proc/<pid>/statm` through a kept-open file: one pread and no
 * string, where a `stat` reading formats and splits some fifty fields (the bench measures both).
 * statm agrees with `/proc/<pid>/status` VmRSS to the page, where `stat`'s rss can differ (on
 * Linux 6.18 here: 499 against 453 pages for an idle process): recent kernels sum the per-CPU RSS
 * counters exactly for statm and status and read them approximately for stat.
 * @throws Error naming the process when it has exited (a zombie reads as all zeros), or the read's
 *   error (ENOENT, ESRCH) when it is gone; either closes the files kept for the pid.
 */
export function readResidentPagesKeepOpen(pid: number): number {
  return readKeptOpen(openStatmFiles, pid, 'statm', statmBuffer, (length) => {
    const pages = parseStatmResidentPages(statmBuffer, length);
    if (pages < 0) throw new Error(`process ${pid} has exited`);
    return pages;
  });
}

/** How many procfs files are kept open now (for tests: a process that is gone leaves none). */
export function keptOpenProcFiles(): number {
  return openStatFiles.size + openStatmFiles.size;
}

/** Closes the files {@link readProcStatKeepOpen} and {@link readResidentPagesKeepOpen} keep open. */
export function closeProcStatFiles(): void {
  for (const files of [openStatFiles, openStatmFiles]) for (const pid of [...files.keys()]) closeQuietly(files, pid);
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
