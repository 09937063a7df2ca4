/**
 * HAProxy's master CLI (master-worker mode, `-S <socket>`): one command per connection over a unix
 * socket the harness creates with mode 0600. `show proc` lists the master and its workers (old ones
 * still draining included), `reload` re-executes the master with the configuration file, and
 * `@1 <command>` runs a command on the current worker.
 */
import { createConnection } from 'node:net';
import { gatewayError, messageOf } from '../../errors.js';

/** One process line of `show proc`. */
export interface HaproxyProcess {
  readonly pid: number;
  /** Reloads this process has lived through (a worker forked by the last reload has 0). */
  readonly reloads: number;
}

/** `show proc`, as data. */
export interface HaproxyProcesses {
  readonly master: HaproxyProcess & { readonly failedReloads: number };
  /** Workers of the current configuration. */
  readonly workers: readonly HaproxyProcess[];
  /** Workers of earlier configurations still finishing their connections. */
  readonly oldWorkers: readonly HaproxyProcess[];
}

/**
 * Sends one command and resolves with the answer: up to the empty line that ends it, or until
 * HAProxy closes the connection (as `reload` does).
 */
export function masterCommand(socketPath: string, command: string, timeoutMs: number): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const socket = createConnection(socketPath);
    let answer = '';
    let settled = false;
    const finish = (error: Error | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (error === null) resolve(answer);
      else reject(error);
    };
    const timer = setTimeout(
      () => finish(gatewayError(`the HAProxy master CLI (${socketPath}) did not answer '${command}' within ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${command}\n`));
    socket.on('data', (chunk: string) => {
      answer += chunk;
      if (answer.endsWith('\n\n')) finish(null);
    });
    socket.on('close', () => finish(null));
    socket.on('error', (error) => finish(gatewayError(`the HAProxy master CLI (${socketPath}) could not be reached: ${messageOf(error)}`, { cause: error })));
  });
}

/**
 * Parses `show proc`:
 * ```
 * #<PID>          <type>          <reloads>       <uptime>        <version>
 * 10248           master          1 [failed: 0]   0d00h00m22s     2.6.12
 * # workers
 * 10736           worker          0               0d00h00m01s     2.6.12
 * # old workers
 * 10251           worker          1               0d00h00m22s     2.6.12
 * ```
 * @throws a gateway error when there is no master line.
 */
export function parseShowProc(text: string): HaproxyProcesses {
  let master: HaproxyProcesses['master'] | null = null;
  const workers: HaproxyProcess[] = [];
  const oldWorkers: HaproxyProcess[] = [];
  let section: 'master' | 'workers' | 'old' | 'other' = 'master';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '# workers') section = 'workers';
    else if (line === '# old workers') section = 'old';
    else if (line.startsWith('# ')) section = 'other';
    const m = /^(\d+)\s+(\S+)\s+(\d+)(?:\s+\[failed:\s*(\d+)\])?/.exec(line);
    if (m === null) continue;
    const proc = { pid: Number(m[1]), reloads: Number(m[3]) };
    if (m[2] === 'master') master = { ...proc, failedReloads: Number(m[4] ?? 0) };
    else if (m[2] === 'worker' && section === 'workers') workers.push(proc);
    else if (m[2] === 'worker' && section === 'old') oldWorkers.push(proc);
  }
  if (master === null) throw gatewayError(`the HAProxy master CLI answered 'show proc' without a master line: ${JSON.stringify(text.slice(0, 200))}`);
  return { master, workers, oldWorkers };
}

/** Names listed by `show backend` (one per line after `# name`). */
export function parseShowBackend(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('#'));
}
