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

export async function gwscale(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env, cwd: options.cwd });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  options.onStart?.(child);
  try {
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      const guard = setTimeout(() => reject(new Error(`gwscale ${args.join(' ')} hung; stderr: ${stderr.slice(-500)}`)), options.timeoutMs ?? 120_000);
      child.on('exit', (c, s) => {
        clearTimeout(guard);
        resolve([c, s]);
      });
    });
    return { code, signal, stdout, stderr };
  } finally {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  }
}

/** True while a process with this PID exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
