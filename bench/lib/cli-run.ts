/**
 * Runs `gwscale run …` exactly as a user would (bin/gwscale.js in its own process) and measures it
 * from outside: the gwscale process's own CPU over its whole life (start-up and report rendering
 * included), the CPU of the processes it started (gateway, SOAP backend), and its run log.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRunLog } from '../../src/driver/run-log.js';
import type { RunRecord } from '../../src/run-log/records.js';
import { reapedChildrenCpuSeconds, runNode, watchDescendants, type TreeCpu } from './children.js';

/**
 * Preloaded into the gwscale process: at exit it appends its own CPU time (getrusage of itself,
 * not of its children) to the file named by GWSCALE_BENCH_CPU_FILE. Plain JS, so no loader rides along.
 */
const EXIT_CPU_PRELOAD = `data:text/javascript,${encodeURIComponent(
  'import{appendFileSync}from"node:fs";const f=process.env.GWSCALE_BENCH_CPU_FILE;' +
    'process.on("exit",()=>{const u=process.cpuUsage();appendFileSync(f,JSON.stringify({pid:process.pid,cpuSeconds:(u.user+u.system)/1e6})+"\\n")});',
)}`;

export interface CliRun {
  readonly records: RunRecord[];
  /** CPU of the gwscale process over its whole life. */
  readonly harnessProcessCpuSeconds: number;
  /** Last CPU reading of each process gwscale started, polled from /proc once a second. */
  readonly children: readonly TreeCpu[];
  /** CPU of gwscale and everything it started, from this process's reaped-children time. */
  readonly treeCpuSeconds: number;
  readonly wallSeconds: number;
  readonly stderrTail: string;
}

/** Runs `gwscale run <args> --out <tmp>`; the run folder is removed afterwards. */
export async function runGwscale(args: readonly string[], timeoutMs: number): Promise<CliRun> {
  const dir = mkdtempSync(join(tmpdir(), 'gwscale-bench-run-'));
  const cpuFile = join(dir, 'exit-cpu.jsonl');
  const outDir = join(dir, 'run');
  const watch: { current: ReturnType<typeof watchDescendants> | null } = { current: null };
  try {
    const reaped0 = reapedChildrenCpuSeconds();
    const result = await runNode(['--import', EXIT_CPU_PRELOAD, 'bin/gwscale.js', 'run', ...args, '--out', outDir], {
      timeoutMs,
      env: { ...process.env, GWSCALE_BENCH_CPU_FILE: cpuFile },
      onSpawn: (pid) => (watch.current = watchDescendants(pid, 1000)),
    });
    const children = watch.current?.stop() ?? [];
    watch.current = null;
    if (result.exitCode !== 0)
      throw new Error(`gwscale run ${args.join(' ')} exited ${String(result.exitCode ?? result.signal)}: ${result.stderr.slice(-600)}`);
    const own = readFileSync(cpuFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { pid: number; cpuSeconds: number })
      .find((r) => r.pid === result.pid);
    if (own === undefined) throw new Error('the gwscale process did not report its CPU at exit');
    return {
      records: readRunLog(join(outDir, 'run.jsonl')),
      harnessProcessCpuSeconds: own.cpuSeconds,
      children,
      treeCpuSeconds: reapedChildrenCpuSeconds() - reaped0,
      wallSeconds: result.wallMs / 1000,
      stderrTail: result.stderr.slice(-400),
    };
  } finally {
    watch.current?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The CPU the harness's gateway and backend used, told apart by their command lines. */
export function childCpu(children: readonly TreeCpu[], scriptPart: string): number {
  return children.filter((c) => c.command.includes(scriptPart)).reduce((sum, c) => sum + c.cpuSeconds, 0);
}
