/**
 * Spawning and stopping a server process by PID, keeping the last lines it wrote so a crash can be
 * explained ("OutOfMemoryError", "address already in use"). Shared by every process the harness
 * starts itself: the targets (reference gateway, Caddy, Tomcat) and the SOAP backend.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { gatewayError } from '../errors.js';
import type { GatewayExit } from '../run-log/records.js';

export interface SpawnServerOptions {
  /** Short name for messages, e.g. `caddy`, `tomcat`. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  /** The child's whole environment (secrets may travel here, never in `args`). */
  readonly env?: NodeJS.ProcessEnv;
  /** Shown when the command does not exist, e.g. "run `apt-get install -y caddy`". */
  readonly installHint?: string;
  /** How many output lines to keep for `GatewayExit.stderrTail`; default 40. */
  readonly tailLines?: number;
  /** Also append everything the server writes to this file (diagnosis of long runs). */
  readonly logFile?: string;
  /**
   * The child is a gwscale Node process that exits when its stdin pipe closes (see parent-watch.ts):
   * it then dies with the harness even when the harness is SIGKILLed.
   */
  readonly exitWithParent?: boolean;
  /**
   * Start it in a process group of its own, so a Ctrl-C at the terminal reaches only the harness,
   * which then stops it in order (a Locust master must collect its workers' totals first).
   */
  readonly ownProcessGroup?: boolean;
  /** Called with every complete line of stdout and stderr (e.g. for a start-up handshake). */
  readonly onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

/** A running (or finished) server process the harness owns. */
export interface ServerProcess {
  readonly name: string;
  readonly pid: number;
  /** True until the process has exited. */
  isRunning(): boolean;
  /** Last lines the server wrote to stdout/stderr, oldest first. */
  tail(): readonly string[];
  /** Resolves once, when the process exits (whoever ended it). */
  readonly exited: Promise<GatewayExit>;
  /** SIGTERM, then SIGKILL after `graceMs` (default 10 s); resolves when it has exited. Safe twice. */
  stop(graceMs?: number): Promise<GatewayExit>;
}

const MAX_LINE_CHARS = 2000;
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Last resort: a harness that exits abruptly must not leave a server holding a port. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) {
      if (child.pid !== undefined) {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  });
}

/** Splits a byte stream into lines and hands each complete one on. */
function lineSplitter(onLine: (line: string) => void): { push(chunk: Buffer): void; end(): void } {
  let pending = '';
  return {
    push(chunk: Buffer): void {
      pending += chunk.toString('utf8');
      let at = pending.indexOf('\n');
      while (at >= 0) {
        onLine(pending.slice(0, at).replace(/\r$/, ''));
        pending = pending.slice(at + 1);
        at = pending.indexOf('\n');
      }
      // A server that never writes a newline must not grow this without bound.
      if (pending.length > MAX_LINE_CHARS * 4) {
        onLine(pending);
        pending = '';
      }
    },
    end(): void {
      if (pending.length > 0) onLine(pending);
      pending = '';
    },
  };
}

/**
 * Starts a server process and resolves once the OS has started it (not once it is ready: poll
 * its API with {@link waitForReady}). Rejects with a one-line gateway error when the command is
 * missing, naming the install command.
 */
export async function spawnServer(options: SpawnServerOptions): Promise<ServerProcess> {
  installExitHook();
  const keep = options.tailLines ?? 40;
  const lines: string[] = [];
  const log: WriteStream | null = options.logFile === undefined ? null : createWriteStream(options.logFile, { flags: 'a' });
  const record =
    (stream: 'stdout' | 'stderr') =>
    (line: string): void => {
      const text = line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}…` : line;
      lines.push(text);
      if (lines.length > keep) lines.shift();
      log?.write(`${text}\n`);
      options.onLine?.(text, stream);
    };

  const child = spawn(options.command, [...options.args], {
    cwd: options.cwd,
    env: { ...(options.env ?? process.env), ...(options.exitWithParent ? { GWSCALE_EXIT_WITH_PARENT: '1' } : {}) },
    stdio: [options.exitWithParent ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    detached: options.ownProcessGroup === true,
  });
  const outLines = lineSplitter(record('stdout'));
  const errLines = lineSplitter(record('stderr'));
  child.stdout?.on('data', (chunk: Buffer) => outLines.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => errLines.push(chunk));

  await new Promise<void>((resolve, reject) => {
    child.once('spawn', () => resolve());
    child.once('error', (error: NodeJS.ErrnoException) => {
      log?.end();
      if (error.code === 'ENOENT') {
        const hint = options.installHint === undefined ? '' : `: ${options.installHint}`;
        reject(gatewayError(`${options.name} is not installed (${options.command} not found)${hint}`, { cause: error }));
      } else {
        reject(gatewayError(`${options.name} could not be started (${options.command}): ${error.message}`, { cause: error }));
      }
    });
  });
  const pid = child.pid;
  if (pid === undefined) throw gatewayError(`${options.name} could not be started (${options.command}): no process id`);
  live.add(child);

  let running = true;
  const exited = new Promise<GatewayExit>((resolve) => {
    // 'close' fires after the output pipes are drained, so the tail is complete.
    child.once('close', (code, signal) => {
      running = false;
      live.delete(child);
      outLines.end();
      errLines.end();
      log?.end();
      resolve({ exitCode: code, signal, stderrTail: [...lines] });
    });
  });

  const signalPid = (signal: NodeJS.Signals): void => {
    try {
      process.kill(pid, signal);
    } catch {
      // ESRCH: it exited between our check and the signal
    }
  };

  let stopping: Promise<GatewayExit> | null = null;
  return {
    name: options.name,
    pid,
    isRunning: () => running,
    tail: () => [...lines],
    exited,
    stop(graceMs = 10_000): Promise<GatewayExit> {
      if (stopping !== null) return stopping;
      if (!running) return (stopping = exited);
      signalPid('SIGTERM');
      const timer = setTimeout(() => signalPid('SIGKILL'), graceMs);
      stopping = exited.finally(() => clearTimeout(timer));
      return stopping;
    },
  };
}

/** A TCP port on `host` that was free a moment ago (bind port 0, read it, close). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

export interface WaitForReadyOptions {
  /** What is being waited for, for the error message (e.g. the admin URL). */
  readonly what: string;
  readonly timeoutMs: number;
  /** Pause between checks; default 100 ms. */
  readonly intervalMs?: number;
}

/**
 * Polls `check` until it answers true. Fails fast, with the server's last output, when the
 * process exits first; fails after `timeoutMs` otherwise.
 */
export async function waitForReady(server: ServerProcess, check: () => Promise<boolean>, options: WaitForReadyOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 100;
  for (;;) {
    if (!server.isRunning()) {
      const exit = await server.exited;
      throw gatewayError(`${server.name} exited while starting (${describeExit(exit)}) before ${options.what} answered${lastLine(exit.stderrTail)}`);
    }
    const ready = await check().catch(() => false);
    if (ready) return;
    if (Date.now() >= deadline) {
      throw gatewayError(`${server.name} did not answer at ${options.what} within ${options.timeoutMs} ms${lastLine(server.tail())}`);
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

/** `exit code 1`, `signal SIGKILL`. */
export function describeExit(exit: GatewayExit): string {
  if (exit.signal !== null) return `signal ${exit.signal}`;
  return `exit code ${exit.exitCode ?? 'unknown'}`;
}

function lastLine(tail: readonly string[]): string {
  const line = [...tail].reverse().find((l) => l.trim().length > 0);
  return line === undefined ? '' : `; last output: ${line.trim().slice(0, 300)}`;
}
