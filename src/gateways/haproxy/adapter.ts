/**
 * HAProxy 2.6 (Debian's haproxy) as a target: one backend, path ACL and pair of set-header policies
 * per service in a configuration file, reloaded whole through the master CLI; memory is the PSS of
 * the master and its workers (HAProxy has no garbage-collected heap).
 *
 * What an HAProxy "deploy" is here: write the whole configuration, check it (`haproxy -c`), send
 * `reload` on the master CLI, then wait until `show proc` lists a worker forked by that reload and
 * that worker answers the new configuration's generation on the data plane. Workers of earlier
 * configurations stay until their connections end (or `hard-stop-after` kills them); they are
 * counted in the memory and reported as `oldWorkers`.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Agent } from 'undici';
import { gatewayError, messageOf } from '../../errors.js';
import { createPssTreeSource, processTree } from '../../sampling/pss.js';
import type { MemoryReading, MemorySource } from '../../sampling/source.js';
import { parseWsdl } from '../../wsdl/index.js';
import type { ServiceSpec } from '../../wsdl/model.js';
import type { AdapterContext, DeployOutcome, GatewayAdapter, GatewayCounts, GatewayInfo, VerifyOutcome } from '../adapter.js';
import { hasCommandName } from '../../process/command-name.js';
import { freePort, spawnServer, waitForReady, type ServerProcess } from '../../process/server-process.js';
import { getFresh } from '../fresh-get.js';
import { registerOnce } from '../register-once.js';
import { serverLifecycle } from '../server-lifecycle.js';
import { countOperations, probeBothPolicies, soapProbeFor, type SoapProbe } from '../soap-probe.js';
import { verifyEach } from '../verify-each.js';
import {
  BACKEND_PREFIX,
  GENERATION_PATH,
  generationAnswer,
  haproxyConfig,
  haproxyServiceFor,
  RESPONSE_POLICY_HEADER,
  type HaproxyServiceSpec,
} from './config.js';
import { masterCommand, parseShowBackend, parseShowProc, type HaproxyProcesses } from './master-cli.js';

export interface HaproxyOptions {
  /** The haproxy binary; default `haproxy` on PATH (Debian: /usr/sbin/haproxy). */
  readonly haproxyCommand?: string;
  /** How long HAProxy may take to serve after start; default 30 s. */
  readonly startTimeoutMs?: number;
}

export const HAPROXY_INSTALL_COMMAND = 'apt-get install -y haproxy';
/** Probes in flight at once during `verify`. */
const VERIFY_CONCURRENCY = 8;
/** How long a live reading waits for old workers without connections to exit. */
const OLD_WORKER_SETTLE_MS = 1_000;
/** Unix socket paths longer than this do not fit in `sun_path` (108 bytes with the terminator). */
const MAX_SOCKET_PATH = 100;

interface HaproxyService {
  readonly spec: ServiceSpec;
  readonly backend: HaproxyServiceSpec;
  readonly probe: SoapProbe;
  readonly probePath: string;
  readonly operations: number;
}

/** `haproxy -v` → `HAProxy 2.6.12-1+deb12u4`; a one-line error naming the install command when it is missing. */
export async function haproxyVersion(command: string): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(command, ['-v'], { timeout: 10_000 });
    const m = /HAProxy version (\S+)/.exec(stdout);
    return `HAProxy ${m?.[1] ?? '(version unknown)'}`;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw gatewayError(`haproxy is not installed (${command} not found): run \`${HAPROXY_INSTALL_COMMAND}\``, { cause: error });
    }
    throw gatewayError(`haproxy -v failed: ${messageOf(error)}`, { cause: error });
  }
}

/** `haproxy -c`: null when the file is valid, else its first alert line. */
async function checkConfig(command: string, file: string): Promise<string | null> {
  try {
    await promisify(execFile)(command, ['-c', '-q', '-f', file], { timeout: 60_000, maxBuffer: 4 * 2 ** 20 });
    return null;
  } catch (error) {
    const raw = (error as { stderr?: unknown }).stderr;
    const stderr = typeof raw === 'string' ? raw : Buffer.isBuffer(raw) ? raw.toString('utf8') : '';
    const line = stderr.split('\n').find((l) => l.includes('[ALERT]')) ?? stderr.split('\n').find((l) => l.trim() !== '') ?? messageOf(error);
    return line.trim().slice(0, 300);
  }
}

/** Creates the HAProxy target. Nothing is started until `start()`. */
export function createHaproxyAdapter(ctx: AdapterContext, options: HaproxyOptions = {}): GatewayAdapter {
  const command = options.haproxyCommand ?? 'haproxy';
  const hardStopAfterMs = ctx.targetOptions?.hardStopAfterMs ?? null;
  const services = new Map<string, HaproxyService>();
  /** Backends of the configuration HAProxy last loaded, in registration order; loaded again on restart. */
  let deployedBackends: readonly HaproxyServiceSpec[] = [];
  let generation = 0;
  let server: ServerProcess | null = null;
  let baseDir: string | null = null;
  let socketPath: string | null = null;
  let dataPort: number | null = null;
  let version = 'HAProxy (version unknown)';

  const dataUrl = (): string => `http://127.0.0.1:${dataPort ?? 0}`;
  const configFile = (): string => join(baseDir ?? '.', 'haproxy.cfg');
  const configFor = (backends: readonly HaproxyServiceSpec[], gen: number): string =>
    haproxyConfig({
      dataListen: `127.0.0.1:${dataPort ?? 0}`,
      generation: gen,
      hardStopAfterMs,
      serverTimeoutMs: Math.max(60_000, ctx.callTimeoutMs),
      services: backends,
    });
  const cli = (commandLine: string, timeoutMs = ctx.callTimeoutMs): Promise<string> => masterCommand(socketPath ?? '', commandLine, timeoutMs);
  const showProc = async (timeoutMs?: number): Promise<HaproxyProcesses> => parseShowProc(await cli('show proc', timeoutMs));
  const running = (): boolean => server !== null && server.isRunning();

  /** True once a fresh connection to the data plane reaches a worker that loaded generation `gen`. */
  const serves = async (gen: number): Promise<boolean> => (await getFresh(`${dataUrl()}${GENERATION_PATH}`, 2_000)) === generationAnswer(gen);

  async function launch(): Promise<GatewayInfo> {
    version = await haproxyVersion(command);
    if (baseDir === null) {
      await mkdir(ctx.workDir, { recursive: true });
      baseDir = await mkdtemp(join(ctx.workDir, 'haproxy-base-'));
      socketPath = join(baseDir, 'master.sock');
      // A deep run folder would not fit in a unix socket address: use a private folder in /tmp then.
      if (socketPath.length > MAX_SOCKET_PATH) socketPath = join(await mkdtemp(join(tmpdir(), 'gwscale-haproxy-')), 'master.sock');
    }
    dataPort ??= await freePort();
    // The deployed configuration is what HAProxy starts with, so a restart serves what was deployed.
    await writeFile(configFile(), configFor(deployedBackends, generation));
    await rm(socketPath ?? '', { force: true });
    const started = Date.now();
    const child = await spawnServer({
      name: 'haproxy',
      command,
      // -W: master-worker; -S: the master CLI, a unix socket only the harness's user may open.
      args: ['-W', '-S', `${socketPath ?? ''},mode,600`, '-f', configFile()],
      cwd: baseDir,
      installHint: `run \`${HAPROXY_INSTALL_COMMAND}\``,
      logFile: join(baseDir, 'haproxy.log'),
    });
    server = child;
    try {
      await waitForReady(child, async () => existsSync(socketPath ?? '') && (await showProc(2_000)).workers.length > 0 && (await serves(generation)), {
        what: `${dataUrl()}${GENERATION_PATH}`,
        timeoutMs: options.startTimeoutMs ?? 30_000,
      });
    } catch (error) {
      await stop();
      throw error;
    }
    ctx.log(`haproxy: ${version} master pid ${child.pid} serving after ${Date.now() - started} ms (data ${dataUrl()}, master CLI ${socketPath ?? ''})`);
    return { version, pid: child.pid, dataUrl: dataUrl(), adminUrl: `unix:${socketPath ?? ''}` };
  }

  async function stop(): Promise<void> {
    const child = server;
    if (child === null) return;
    // The master ends its workers when it stops; any that outlive it are ended by PID.
    const tree = child.isRunning() ? safeTree(child.pid) : [];
    await child.stop(10_000);
    for (const pid of tree) {
      // Checked by name, so a recycled PID is never signalled.
      if (pid === child.pid || !hasCommandName(pid, 'haproxy')) continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
  }

  function safeTree(pid: number): number[] {
    try {
      return processTree(pid);
    } catch {
      return [pid];
    }
  }

  /** A new service from its WSDL: its probe, its backend, its operations. */
  function serviceOf(spec: ServiceSpec): HaproxyService {
    const document = parseWsdl(spec.wsdlText, spec.fileName);
    const probe = soapProbeFor(document, spec.serviceName);
    const { service, probePath } = haproxyServiceFor(spec.serviceName, probe.address, spec.fileName);
    const operations = countOperations(document, spec.serviceName);
    return { spec, backend: service, probe, probePath, operations };
  }

  async function deploy(): Promise<DeployOutcome> {
    const started = Date.now();
    if (!running()) return { state: 'failed', ms: 0, reason: 'HAProxy is not running' };
    const backends = [...services.values()].map((s) => s.backend);
    const next = generation + 1;
    const candidate = `${configFile()}.next`;
    await writeFile(candidate, configFor(backends, next));
    const rejected = await checkConfig(command, candidate);
    if (rejected !== null) return { state: 'failed', ms: Date.now() - started, reason: `haproxy -c rejected the configuration: ${rejected}` };
    await rename(candidate, configFile());
    const deadline = started + ctx.callTimeoutMs;
    try {
      const before = await showProc();
      const known = new Set([...before.workers, ...before.oldWorkers].map((w) => w.pid));
      await cli('reload');
      // The master re-executes itself: its CLI is away for a moment, then lists the new worker.
      let after: HaproxyProcesses | null = null;
      while (Date.now() < deadline && running()) {
        const now = await showProc(2_000).catch(() => null);
        if (now !== null && now.master.failedReloads > before.master.failedReloads) {
          const last =
            server
              ?.tail()
              .filter((l) => l.includes('[ALERT]'))
              .pop() ?? 'see haproxy.log';
          return { state: 'failed', ms: Date.now() - started, reason: `HAProxy could not load the new configuration: ${last.trim().slice(0, 300)}` };
        }
        if (now !== null && now.master.reloads > before.master.reloads && now.workers.some((w) => !known.has(w.pid))) {
          after = now;
          break;
        }
        await sleep(50);
      }
      while (after !== null && Date.now() < deadline && running() && !(await serves(next))) await sleep(50);
      const ms = Date.now() - started;
      if (!running()) return { state: 'failed', ms, reason: 'HAProxy exited during the reload' };
      if (after === null || !(await serves(next)))
        return { state: 'failed', ms, reason: `no worker of the new configuration served within ${ctx.callTimeoutMs} ms` };
      generation = next;
      deployedBackends = backends;
      const worker = after.workers.find((w) => !known.has(w.pid))?.pid ?? 0;
      return {
        state: 'deployed',
        ms,
        detail: `reloaded ${backends.length} backends; worker ${worker} serves generation ${next}, ${after.oldWorkers.length} old workers draining`,
      };
    } catch (error) {
      return { state: 'failed', ms: Date.now() - started, reason: messageOf(error) };
    }
  }

  async function listing(): Promise<GatewayCounts> {
    if (!running()) throw gatewayError('HAProxy is not running: nothing to list');
    // `@1`: the current worker, which holds the configuration now served.
    const backends = parseShowBackend(await cli('@1 show backend')).filter((name) => name.startsWith(BACKEND_PREFIX));
    // HAProxy's CLI has no listing of http-request/http-response rules: verify checks both policies per service.
    return { serviceGroups: null, services: backends.length, operations: null, circuits: null, attachedPolicies: null };
  }

  async function liveMemory(): Promise<MemoryReading> {
    if (!running()) throw gatewayError('HAProxy is not running: no memory to read');
    // Settle: an old worker with no connection left exits within tens to hundreds of ms after the
    // new one serves (it frees its own copy of the configuration first). One that outlives this is
    // held by connections, and is counted.
    const settleUntil = Date.now() + OLD_WORKER_SETTLE_MS;
    let procs = await showProc();
    while (procs.oldWorkers.length > 0 && Date.now() < settleUntil) {
      await sleep(20);
      procs = await showProc();
    }
    const reading = await treeSource().read();
    return { ...reading, extra: { ...reading.extra, oldWorkers: procs.oldWorkers.length } };
  }

  /** Master and workers, old ones still draining included. */
  function treeSource(): MemorySource {
    return createPssTreeSource({ pid: () => (running() ? (server?.pid ?? null) : null), what: 'the HAProxy master' });
  }

  function verifyOne(service: HaproxyService, dispatcher: Agent): Promise<VerifyOutcome> {
    return probeBothPolicies(service, dataUrl(), RESPONSE_POLICY_HEADER, { dispatcher, timeoutMs: ctx.callTimeoutMs });
  }

  return {
    target: 'haproxy',
    ...serverLifecycle(launch, stop, () => server),
    register: (spec) => registerOnce(services, spec, serviceOf),
    deploy,
    listing,
    liveMemory,
    processTreeSource: () => (running() ? treeSource() : null),
    verify: (specs) => verifyEach(specs, services, VERIFY_CONCURRENCY, verifyOne),
    requestUrl: (spec, address) => `${dataUrl()}${haproxyServiceFor(spec.serviceName, address, spec.fileName).probePath}`,
  };
}
