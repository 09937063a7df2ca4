/**
 * Child processes of the benches: each measured thing runs in its own process, is bounded in time,
 * and is stopped by PID in `finally` whatever happens. CPU of processes the bench does not own
 * directly (the harness's gateway and backend) is read from /proc while they run.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { CLOCK_TICKS_PER_SECOND, readProcStat } from '../../src/sampling/proc-stat.js';
import { root } from './paths.js';

export interface ChildResult {
  readonly pid: number;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly wallMs: number;
}

export interface RunChildOptions {
  readonly timeoutMs: number;
  readonly env?: NodeJS.ProcessEnv;
  /** Called once the child has a PID (to start watching it). */
  readonly onSpawn?: (pid: number) => void;
}

/**
 * Runs `node …args` to completion (cwd: package root). On timeout it is killed (SIGTERM, then
 * SIGKILL) and the promise rejects; it never outlives the call.
 */
export async function runNode(args: readonly string[], options: RunChildOptions): Promise<ChildResult> {
  const t0 = performance.now();
  // A stdin pipe that is never written: workers exit when it closes (this process died).
  const child = spawn(process.execPath, args, { cwd: root, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start node ${args.join(' ')}`);
  options.onSpawn?.(pid);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr = (stderr + s).slice(-20_000)));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), options.timeoutMs)));
  try {
    const first = await Promise.race([exited, timedOut]);
    if (first === 'timeout') throw new Error(`node ${args.join(' ')} did not finish within ${options.timeoutMs} ms; last output: ${stderr.slice(-400)}`);
    // Let the pipes drain: 'exit' can come before the last stdout chunk.
    await new Promise<void>((resolve) => (child.stdout.readableEnded ? resolve() : child.stdout.once('end', () => resolve())));
    return { pid, exitCode: first.code, signal: first.signal, stdout, stderr, wallMs: performance.now() - t0 };
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(pid, 'SIGTERM');
      const killer = setTimeout(() => {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }, 5_000);
      await exited;
      clearTimeout(killer);
    }
  }
}

/** Parses the last line of a child's stdout as JSON (workers print one result line last). */
export function lastJsonLine<T>(result: ChildResult): T {
  const line = result.stdout.trim().split('\n').at(-1) ?? '';
  if (result.exitCode !== 0 || line === '') {
    throw new Error(`child ${result.pid} exited ${String(result.exitCode ?? result.signal)}: ${result.stderr.trim().split('\n').slice(-5).join(' | ')}`);
  }
  return JSON.parse(line) as T;
}

/** Every process whose parent chain leads to `rootPid` (scans /proc; Linux). */
export function descendantsOf(rootPid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    try {
      parentOf.set(pid, readProcStat(pid).ppid);
    } catch {
      // exited while we looked
    }
  }
  const found: number[] = [];
  const wanted = new Set([rootPid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of parentOf) {
      if (wanted.has(ppid) && !wanted.has(pid)) {
        wanted.add(pid);
        found.push(pid);
        grew = true;
      }
    }
  }
  return found;
}

/** Last CPU seconds seen per process (and its command line) while a tree of processes runs. */
export interface TreeCpu {
  readonly pid: number;
  readonly command: string;
  readonly cpuSeconds: number;
}

/**
 * Polls the CPU time of `rootPid`'s descendants every `intervalMs` until stopped. The last reading
 * of a process misses at most one interval of its CPU before it exited.
 */
export function watchDescendants(rootPid: number, intervalMs: number): { stop(): TreeCpu[] } {
  const seen = new Map<number, TreeCpu>();
  const poll = (): void => {
    for (const pid of descendantsOf(rootPid)) {
      try {
        const cpuSeconds = readProcStat(pid).cpuTicks / CLOCK_TICKS_PER_SECOND;
        const command = seen.get(pid)?.command ?? commandOf(pid);
        seen.set(pid, { pid, command, cpuSeconds });
      } catch {
        // exited between the scan and the read
      }
    }
  };
  const timer = setInterval(poll, intervalMs);
  return {
    stop(): TreeCpu[] {
      clearInterval(timer);
      return [...seen.values()];
    },
  };
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1')
      .split('\0')
      .filter((s) => s !== '')
      .join(' ');
  } catch {
    return '?';
  }
}

/** CPU seconds of this process's reaped children so far (cutime + cstime). */
export function reapedChildrenCpuSeconds(): number {
  return readProcStat(process.pid).childrenCpuTicks / CLOCK_TICKS_PER_SECOND;
}
