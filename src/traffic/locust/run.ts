/**
 * A Locust run: writes the locustfile, starts a headless master and local workers (each a process,
 * stopped by PID at the end and on failure), waits for the master to finish, and folds the totals
 * its end-of-run listener wrote into a `LocustTrafficResult`.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gatewayError, GwscaleError, messageOf, usageError } from '../../errors.js';
import { isLoopbackHost } from '../../loopback.js';
import { freePort, spawnServer, type ServerProcess } from '../../process/server-process.js';
import { checkTrafficUrl, redactUrl } from '../loopback.js';
import { renderLocustfile, TOTALS_ENV, type LocustTarget } from './locustfile.js';
import { foldLocustTotals, type LocustTotalsFile, type LocustTrafficResult } from './totals.js';
import { detectLocust, LOCUST_INSTALL_HINT } from './version.js';

/** One request to send: a full URL, its body and headers, and its share of the traffic. */
export interface LocustRequest {
  readonly url: string;
  readonly body: Buffer | string;
  readonly headers: Readonly<Record<string, string>>;
  /** Label in per-service counts; default: the URL's path. */
  readonly name?: string;
  /** Relative share (whole number ≥ 1); default 1. */
  readonly weight?: number;
}

/** Options of a Locust run. */
export interface LocustRunOptions {
  readonly requests: readonly LocustRequest[];
  /** Locust users (closed-loop clients), shared out over the workers by Locust. */
  readonly users: number;
  /** Total requested rate (requests/s, `constant_throughput` per user); null: as fast as answers come. */
  readonly ratePerSec: number | null;
  /** Run time; Locust takes whole seconds, so it is rounded up. */
  readonly durationMs: number;
  readonly timeoutMs: number;
  /** Workers started on this machine. */
  readonly localWorkers: number;
  /** Workers the master waits for before it starts (local plus those started on other machines). */
  readonly expectWorkers: number;
  /** Longest wait for them. */
  readonly expectWorkersWaitMs: number;
  /** Address the master listens on for workers; loopback unless `allowRemote`. */
  readonly masterBind: string;
  readonly allowRemote: boolean;
  /** Folder for the locustfile, the totals and the processes' logs (kept after the run). */
  readonly dir: string;
  readonly signal?: AbortSignal;
  /** Lines for the user (the worker command for other machines), printed as they come. */
  readonly onLine?: (line: string) => void;
  /** The `locust` executable; default `locust` on PATH. */
  readonly command?: string;
}

/** Seconds the master waits after the run for workers' final totals, beyond the request timeout. */
const FINAL_TOTALS_GRACE_S = 5;
const TOTALS_FILE = 'totals.json';
const LOCUSTFILE = 'locustfile.py';

async function checkOptions(o: LocustRunOptions): Promise<string> {
  if (o.requests.length === 0) throw usageError('nothing to send: no requests for the Locust users');
  if (o.localWorkers > o.expectWorkers)
    throw usageError(`--expect-workers ${o.expectWorkers} is fewer than the ${o.localWorkers} workers started here (--locust-workers)`);
  if (o.expectWorkers < 1) throw usageError('--expect-workers must be at least 1: the master sends nothing itself');
  if (o.users < o.expectWorkers)
    throw usageError(`${o.users} users over ${o.expectWorkers} workers leaves some with none: give at least as many --connections as workers`);
  if (!o.allowRemote && !isLoopbackHost(o.masterBind)) {
    throw usageError(
      `--locust-master-bind ${o.masterBind}: not a loopback address; workers on other machines could then connect`,
      'add --allow-remote to accept workers from other machines',
    );
  }
  const origins = new Set<string>();
  for (const request of o.requests) origins.add((await checkTrafficUrl(request.url, o.allowRemote, 'target')).origin);
  if (origins.size > 1) throw usageError(`Locust users send to one host; the requests name ${origins.size}: ${[...origins].join(', ')}`);
  return [...origins][0] as string;
}

function targetsOf(requests: readonly LocustRequest[]): LocustTarget[] {
  return requests.map((r) => {
    const url = new URL(r.url);
    const weight = r.weight ?? 1;
    if (!Number.isInteger(weight) || weight < 1) throw usageError(`weight ${weight} of ${redactUrl(r.url)}: give a whole number ≥ 1`);
    return {
      name: r.name ?? url.pathname,
      path: `${url.pathname}${url.search}`,
      body: Buffer.isBuffer(r.body) ? r.body.toString('utf8') : r.body,
      headers: { ...r.headers },
      weight,
    };
  });
}

function readTotals(path: string): LocustTotalsFile | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LocustTotalsFile;
  } catch {
    return null;
  }
}

/** The command a worker on another machine runs (the locustfile copied to the same path). */
export function workerCommand(command: string, locustfile: string, masterHost: string, port: number): string {
  return `${command} -f ${locustfile} --worker --master-host ${masterHost} --master-port ${port}`;
}

/**
 * Runs Locust headless with a master and `localWorkers` workers here (and any started elsewhere),
 * and returns what it measured. A worker that went missing is in `locust.missingWorkers` and the
 * warnings: the caller fails the run on it, after printing the result.
 * @throws GwscaleError usage (bad options), gateway (Locust missing or too old, workers that never came, a master that failed).
 */
export async function runLocust(o: LocustRunOptions): Promise<LocustTrafficResult> {
  const host = await checkOptions(o);
  const targets = targetsOf(o.requests);
  const install = await detectLocust(o.command);
  const dir = resolve(o.dir);
  mkdirSync(dir, { recursive: true });
  const locustfile = join(dir, LOCUSTFILE);
  const totalsPath = join(dir, TOTALS_FILE);
  rmSync(totalsPath, { force: true });
  writeFileSync(
    locustfile,
    renderLocustfile({
      host,
      targets,
      perUserRatePerSec: o.ratePerSec === null ? null : o.ratePerSec / o.users,
      timeoutMs: o.timeoutMs,
      locustVersion: install.version,
    }),
  );
  const port = await freePort(isWildcard(o.masterBind) ? '0.0.0.0' : o.masterBind);
  const runSeconds = Math.max(1, Math.ceil(o.durationMs / 1000));
  const waitSeconds = Math.max(1, Math.ceil(o.expectWorkersWaitMs / 1000));
  const timeoutS = o.timeoutMs / 1000;
  const processes: ServerProcess[] = [];
  // Own process groups: Ctrl-C reaches gwscale alone, which stops the master, which stops the workers.
  const common = { command: install.command, installHint: LOCUST_INSTALL_HINT, tailLines: 60, ownProcessGroup: true };
  let interrupted = false;
  const onAbort = (): void => {
    interrupted = true;
    // SIGTERM makes the master stop the test and write its totals before it exits.
    void processes[0]?.stop(Math.ceil(timeoutS + FINAL_TOTALS_GRACE_S + 10) * 1000);
  };
  try {
    const master = await spawnServer({
      ...common,
      name: 'locust master',
      args: [
        '-f',
        locustfile,
        '--headless',
        '--master',
        '--master-bind-host',
        o.masterBind,
        '--master-bind-port',
        String(port),
        '--expect-workers',
        String(o.expectWorkers),
        '--expect-workers-max-wait',
        String(waitSeconds),
        '--run-time',
        `${runSeconds}s`,
        '-u',
        String(o.users),
        '-r',
        String(Math.max(o.users, 1) * 10),
        '--host',
        host,
        '--stop-timeout',
        String(Math.ceil(timeoutS)),
        '--exit-code-on-error',
        '0',
        '--only-summary',
      ],
      env: { ...process.env, [TOTALS_ENV]: totalsPath },
      logFile: join(dir, 'master.log'),
    });
    processes.push(master);
    if (o.expectWorkers > o.localWorkers) {
      o.onLine?.(
        `locust: waiting up to ${waitSeconds} s for ${o.expectWorkers - o.localWorkers} more worker(s); copy ${locustfile} to each worker machine (same path) and run there:`,
      );
      o.onLine?.(`  ${workerCommand(install.command, locustfile, masterHostFor(o.masterBind), port)}`);
    }
    for (let i = 0; i < o.localWorkers; i++) {
      const worker = await spawnServer({
        ...common,
        name: `locust worker ${i + 1}`,
        args: ['-f', locustfile, '--worker', '--master-host', isWildcard(o.masterBind) ? '127.0.0.1' : o.masterBind, '--master-port', String(port)],
        logFile: join(dir, `worker-${i + 1}.log`),
      });
      processes.push(worker);
    }
    if (o.signal?.aborted === true) onAbort();
    o.signal?.addEventListener('abort', onAbort, { once: true });
    // Bounded: the wait for workers, the run, the final totals, and a margin for start-up.
    const boundMs = (waitSeconds + runSeconds + timeoutS + FINAL_TOTALS_GRACE_S + 60) * 1000;
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([master.exited.then(() => true), new Promise<false>((done) => (timer = setTimeout(() => done(false), boundMs)))]);
    clearTimeout(timer);
    if (!finished) throw gatewayError(`the locust master did not finish within ${Math.round(boundMs / 1000)} s; its log is ${join(dir, 'master.log')}`);
    const totals = totalsOrFailure(totalsPath, master.tail(), {
      interrupted,
      version: install.version,
      expectWorkers: o.expectWorkers,
      waitSeconds,
      command: workerCommand(install.command, locustfile, masterHostFor(o.masterBind), port),
      dir,
    });
    return foldLocustTotals(totals, {
      targets,
      targetUrls: [...new Set(o.requests.map((r) => redactUrl(r.url)))],
      users: o.users,
      requestedRatePerSec: o.ratePerSec,
      locustfile,
      expectedWorkers: interrupted ? 0 : o.expectWorkers,
      stoppedBySignal: interrupted,
    });
  } catch (error) {
    if (error instanceof GwscaleError) throw error;
    throw gatewayError(`the Locust run failed: ${messageOf(error)}`, { cause: error });
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    // Workers got the master's quit; any still running (or a master that hung) are stopped by PID.
    await Promise.all(processes.map((p) => p.stop(5_000)));
  }
}

/** A bind address that listens on every interface. */
const isWildcard = (address: string): boolean => address === '*' || address === '0.0.0.0' || address === '::';

/** What workers elsewhere connect to: the bind address, or a placeholder for one that listens everywhere. */
const masterHostFor = (bind: string): string => (isWildcard(bind) ? 'MASTER_ADDRESS' : bind);

/**
 * The master's totals file, or the reason there is none: workers that never came (with the command
 * to start them) or a master that failed. Interrupted before the users started: an empty run.
 */
function totalsOrFailure(
  path: string,
  masterTail: readonly string[],
  run: {
    readonly interrupted: boolean;
    readonly version: string;
    readonly expectWorkers: number;
    readonly waitSeconds: number;
    readonly command: string;
    readonly dir: string;
  },
): LocustTotalsFile {
  const totals = readTotals(path);
  if (totals !== null && totals.startedAt !== null) return totals;
  if (run.interrupted) return { locustVersion: run.version, startedAt: null, stoppedAt: Date.now() / 1000, masterCpuSeconds: 0, workers: [] };
  if (masterTail.some((line) => line.includes('Gave up waiting for workers'))) {
    throw gatewayError(
      `only ${workersSeen(masterTail)} of ${run.expectWorkers} locust workers connected within ${run.waitSeconds} s (--expect-workers ${run.expectWorkers})`,
      {
        hint: `start the missing workers with: ${run.command}`,
      },
    );
  }
  const last = [...masterTail].reverse().find((line) => line.trim() !== '') ?? 'no output';
  throw gatewayError(`the locust master ended without writing its totals: ${last.trim().slice(0, 300)}`, { hint: `its log is ${join(run.dir, 'master.log')}` });
}

/** `Waiting for workers to be ready, 1 of 2 connected` → 1 (the last such line). */
function workersSeen(tail: readonly string[]): number {
  for (const line of [...tail].reverse()) {
    const m = /(\d+) of \d+ connected/.exec(line);
    if (m) return Number(m[1]);
  }
  return 0;
}
