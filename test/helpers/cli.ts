/** Runs the compiled CLI (bin/gwscale.js → dist/) as its own process, killed by PID if it hangs. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/gwscale.js', import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Hang guard: the child is SIGKILLed after this long and the promise rejects. */
  readonly timeoutMs?: number;
  readonly cwd?: string;
  /** Called once the child is running (e.g. to kill it mid-run). */
  readonly onStart?: (child: ChildProcess) => void;
}

/** Children still running: a test that timed out while awaiting one leaves it here for `stopAll`. */
const live = new Set<ChildProcess>();

const running = (child: ChildProcess): boolean => child.exitCode === null && child.signalCode === null && child.pid !== undefined;

/** Runs `gwscale args…`; resolves once it exited and its output is complete. */
export async function gwscale(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env, cwd: options.cwd });
  live.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  options.onStart?.(child);
  try {
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      const guard = setTimeout(() => reject(new Error(`gwscale ${args.join(' ')} hung; stderr: ${stderr.slice(-500)}`)), options.timeoutMs ?? 120_000);
      // 'close', not 'exit': stdout may still hold data when the process has exited.
      child.on('close', (c, s) => {
        clearTimeout(guard);
        resolve([c, s]);
      });
    });
    return { code, signal, stdout, stderr };
  } finally {
    if (running(child)) process.kill(child.pid as number, 'SIGKILL');
    live.delete(child);
  }
}

/**
 * `gwscale run` at its smallest that still shows a trend: 20 services in two rounds of 10, one
 * redeploy, one reading per point; `extra` goes before `--out`.
 */
export function smallRunArgs(target: string, out: string, extra: readonly string[] = []): string[] {
  return ['run', '--target', target, '--services', '20', '--batch', '10', '--redeploys', '1', '--readings', '1', ...extra, '--out', out];
}

/**
 * Stops every gwscale this helper started that still runs (for afterAll): SIGTERM, so it stops the
 * gateway and backend it started, then SIGKILL after 15 s.
 */
export async function stopAll(): Promise<void> {
  for (const child of live) {
    if (!running(child)) continue;
    process.kill(child.pid as number, 'SIGTERM');
    const exited = await Promise.race([
      new Promise<boolean>((r) => child.once('exit', () => r(true))),
      new Promise<boolean>((r) => setTimeout(() => r(false), 15_000)),
    ]);
    if (!exited && running(child)) process.kill(child.pid as number, 'SIGKILL');
  }
}
