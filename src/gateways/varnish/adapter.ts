/**
 * Varnish 7.1 (Debian's varnish) as a target: per service a backend, a `vcl_recv` route with the
 * request policy and a `vcl_deliver` response policy, in one VCL loaded whole through varnishadm;
 * memory is the PSS of the manager and the child (Varnish has no garbage-collected heap).
 *
 * What a Varnish "deploy" is here: write the whole VCL, `vcl.load` it (Varnish compiles it to C and
 * loads the shared object: about 1 s per 100 services), `vcl.use` it, wait until the data plane
 * answers its generation, then, with `--discard-old true` (the default), `vcl.discard` every earlier
 * VCL once no request holds it any more. `--discard-old false` keeps them loaded, as an operator who
 * forgets the discard does.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Agent } from 'undici';
import { gatewayError, messageOf } from '../../errors.js';
import { createPssTreeSource } from '../../sampling/pss.js';
import type { MemoryReading, MemorySource } from '../../sampling/source.js';
import type { ServiceSpec } from '../../wsdl/model.js';
import type { AdapterContext, DeployOutcome, GatewayAdapter, GatewayCounts, GatewayInfo, VerifyOutcome } from '../adapter.js';
import { endpointRouteFor, proxiedService } from '../endpoint-route.js';
import { hasCommandName } from '../../process/command-name.js';
import { freePort, spawnServer, waitForReady, type ServerProcess } from '../../process/server-process.js';
import { getFresh } from '../fresh-get.js';
import { registerOnce } from '../register-once.js';
import { serverLifecycle } from '../server-lifecycle.js';
import { probeBothPolicies, type SoapProbe } from '../soap-probe.js';
import { verifyEach } from '../verify-each.js';
import { firstLine, parseVclList, varnishadm, type VarnishAdmOptions, type VclListEntry } from './varnishadm.js';
import { BACKEND_PREFIX, countPolicies, GENERATION_PATH, generationAnswer, RESPONSE_POLICY_HEADER, vclFor, type VarnishServiceSpec } from './vcl.js';

export interface VarnishOptions {
  /** The varnishd binary; default `varnishd` on PATH (Debian: /usr/sbin/varnishd). */
  readonly varnishdCommand?: string;
  /** The varnishadm binary; default `varnishadm` on PATH. */
  readonly varnishadmCommand?: string;
  /** How long varnishd may take to serve after start (it compiles the VCL first); default 60 s, or 400 ms per deployed service if more. */
  readonly startTimeoutMs?: number;
  /** How long a deploy waits for earlier VCLs to be released before discarding them anyway; default 2 s. */
  readonly releaseWaitMs?: number;
}

export const VARNISH_INSTALL_COMMAND = 'apt-get install -y varnish';
/** Probes in flight at once during `verify`. */
const VERIFY_CONCURRENCY = 8;
/**
 * Shared memory log size (`-l`, vsl_space; Varnish's default is 80 MB). The log is a mapped file that
 * requests write into: at the default it would grow the resident memory by up to 80 MB as traffic
 * touches it, which a memory curve would take for retention.
 */
export const VSL_SPACE = '2M';
/** Cache storage: requests are passed, never cached; a small malloc store keeps its arena small. */
const STORAGE = 'malloc,16m';
const VCL_PREFIX = 'gwscale_';
/** Start-up allowance per deployed service: the boot VCL is compiled first (≈130 ms per service seen at load 13 on 2 cores). */
const START_MS_PER_SERVICE = 400;
/** Least time a `vcl.load` may take before the deploy fails. */
const VCL_LOAD_TIMEOUT_MS = 900_000;
/** How long a live reading sends requests to let discarded VCLs go. */
const DISCARDED_SETTLE_MS = 1_000;
/** Most requests {@link wakeThreads} sends at once. */
const MAX_WAKE_REQUESTS = 64;
/** Largest CLI answer (Varnish's default, 48 KB, cuts `vcl.show` and `backend.list` of a few hundred services). */
const CLI_LIMIT = '99999999';

interface VarnishService {
  readonly spec: ServiceSpec;
  readonly backend: VarnishServiceSpec;
  readonly probe: SoapProbe;
  readonly probePath: string;
  readonly operations: number;
}

/** `varnishd -V` → `varnish-7.1.1`; a one-line error naming the install command when it is missing. */
export async function varnishVersion(command: string): Promise<string> {
  try {
    const { stdout, stderr } = await promisify(execFile)(command, ['-V'], { timeout: 10_000 });
    const m = /\((varnish-[^\s)]+)/.exec(`${stdout}${stderr}`);
    return m?.[1] ?? 'varnish (version unknown)';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw gatewayError(`varnish is not installed (${command} not found): run \`${VARNISH_INSTALL_COMMAND}\``, { cause: error });
    }
    throw gatewayError(`varnishd -V failed: ${messageOf(error)}`, { cause: error });
  }
}

/**
 * Sends `count` requests at once, each on its own connection, so that many worker threads take a
 * task: a thread lets go of the VCL it last used only when it takes its next one.
 */
async function wakeThreads(url: string, count: number): Promise<void> {
  await Promise.all(Array.from({ length: Math.min(MAX_WAKE_REQUESTS, Math.max(1, count)) }, () => getFresh(url, 2_000)));
}

/** Creates the Varnish target. Nothing is started until `start()`. */
export function createVarnishAdapter(ctx: AdapterContext, options: VarnishOptions = {}): GatewayAdapter {
  const varnishd = options.varnishdCommand ?? 'varnishd';
  const discardOld = ctx.targetOptions?.discardOld ?? true;
  const releaseWaitMs = options.releaseWaitMs ?? 2_000;
  const services = new Map<string, VarnishService>();
  /** Services of the VCL Varnish last used, in registration order; loaded again on restart. */
  let deployedBackends: readonly VarnishServiceSpec[] = [];
  let generation = 0;
  /** Deploys tried so far (VCL names and generations count these, so a failed one is never reused). */
  let attempts = 0;
  let server: ServerProcess | null = null;
  let baseDir: string | null = null;
  let dataPort: number | null = null;
  let adminPort: number | null = null;
  let version = 'varnish (version unknown)';

  const dataUrl = (): string => `http://127.0.0.1:${dataPort ?? 0}`;
  const adm = (): VarnishAdmOptions => ({
    command: options.varnishadmCommand ?? 'varnishadm',
    address: `127.0.0.1:${adminPort ?? 0}`,
    secretFile: join(baseDir ?? '.', 'secret'),
    timeoutMs: ctx.callTimeoutMs,
  });
  const vclText = (backends: readonly VarnishServiceSpec[], gen: number): string =>
    vclFor({ generation: gen, services: backends, backendTimeoutS: Math.ceil(Math.max(60_000, ctx.callTimeoutMs) / 1000) });
  const running = (): boolean => server !== null && server.isRunning();
  const serves = async (gen: number): Promise<boolean> => (await getFresh(`${dataUrl()}${GENERATION_PATH}`, 2_000)) === generationAnswer(gen);

  async function vclList(): Promise<VclListEntry[]> {
    const answer = await varnishadm(adm(), ['vcl.list']);
    if (!answer.ok) throw gatewayError(`varnishadm vcl.list failed: ${firstLine(answer.text)}`);
    return parseVclList(answer.text);
  }

  async function launch(): Promise<GatewayInfo> {
    version = await varnishVersion(varnishd);
    if (baseDir === null) {
      await mkdir(ctx.workDir, { recursive: true });
      baseDir = await mkdtemp(join(ctx.workDir, 'varnish-base-'));
      // The -S secret authenticates varnishadm; generated per run, only in this 0600 file.
      await writeFile(join(baseDir, 'secret'), `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 });
    }
    dataPort ??= await freePort();
    adminPort ??= await freePort();
    // The VCL last used is what varnishd starts with, so a restart serves what was deployed.
    const bootFile = join(baseDir, 'boot.vcl');
    await writeFile(bootFile, vclText(deployedBackends, generation));
    const started = Date.now();
    const child = await spawnServer({
      name: 'varnishd',
      command: varnishd,
      args: [
        '-F', // foreground: the PID the harness holds is the manager's
        // No privilege separation: the run folder is private to the harness's user, whom the
        // varnish/vcache users could not read. Varnish still runs only what the harness wrote.
        '-j',
        'none',
        '-n',
        join(baseDir, 'state'),
        '-a',
        `127.0.0.1:${dataPort}`,
        '-T',
        `127.0.0.1:${adminPort}`,
        '-S',
        join(baseDir, 'secret'),
        '-f',
        bootFile,
        '-l',
        VSL_SPACE,
        '-s',
        STORAGE,
        // An unused VCL turns cold after 1 s instead of 10 min, so old ones can be discarded soon.
        '-p',
        'vcl_cooldown=1',
        '-p',
        `cli_limit=${CLI_LIMIT}`,
      ],
      cwd: baseDir,
      installHint: `run \`${VARNISH_INSTALL_COMMAND}\``,
      logFile: join(baseDir, 'varnishd.log'),
    });
    server = child;
    try {
      await waitForReady(child, () => serves(generation), {
        what: `${dataUrl()}${GENERATION_PATH}`,
        timeoutMs: options.startTimeoutMs ?? Math.max(60_000, deployedBackends.length * START_MS_PER_SERVICE),
        intervalMs: 200,
      });
    } catch (error) {
      await child.stop(5_000);
      throw error;
    }
    ctx.log(`varnish: ${version} manager pid ${child.pid} serving after ${Date.now() - started} ms (data ${dataUrl()}, admin 127.0.0.1:${adminPort})`);
    return { version, pid: child.pid, dataUrl: dataUrl(), adminUrl: `varnishadm -T 127.0.0.1:${adminPort}` };
  }

  async function stop(): Promise<void> {
    // The manager stops its child before it exits.
    if (server !== null) await server.stop(10_000);
  }

  /** A new service from its WSDL: its probe, its backend (numbered in registration order), its operations. */
  function serviceOf(spec: ServiceSpec): VarnishService {
    const { probe, route, operations } = proxiedService(spec, 'Varnish');
    const backend: VarnishServiceSpec = { serviceName: spec.serviceName, index: services.size, host: route.host, port: route.port, rewrite: route.rewrite };
    return { spec, backend, probe, probePath: route.probePath, operations };
  }

  /** Discards every VCL but the active one once no request holds it (sending a request between looks releases threads that held it). */
  async function discardEarlier(active: string, deadline: number): Promise<{ discarded: number; held: number }> {
    let earlier = (await vclList()).filter((v) => v.name !== active && v.status !== 'discarded');
    while (earlier.some((v) => v.busy > 0) && Date.now() < deadline) {
      await wakeThreads(`${dataUrl()}${GENERATION_PATH}`, 2 * earlier.reduce((sum, v) => sum + v.busy, 0));
      await sleep(50);
      earlier = (await vclList()).filter((v) => v.name !== active && v.status !== 'discarded');
    }
    let held = 0;
    for (const vcl of earlier) {
      // A VCL still held when the wait ends is discarded too: Varnish frees it when the last request lets go.
      if (vcl.busy > 0) held++;
      const answer = await varnishadm(adm(), ['vcl.discard', vcl.name]);
      if (!answer.ok) throw gatewayError(`varnishadm vcl.discard ${vcl.name} failed: ${firstLine(answer.text)}`);
    }
    return { discarded: earlier.length, held };
  }

  async function deploy(): Promise<DeployOutcome> {
    const started = Date.now();
    if (!running() || baseDir === null) return { state: 'failed', ms: 0, reason: 'Varnish is not running' };
    const backends = [...services.values()].map((s) => s.backend);
    // Every attempt gets a new name: a failed deploy may have left its VCL loaded.
    const next = ++attempts;
    const name = `${VCL_PREFIX}${next}`;
    const file = join(baseDir, `${name}.vcl`);
    try {
      await writeFile(file, vclText(backends, next));
      // Compiling is slow (seconds per 100 services, minutes at 1,000 on a loaded machine): wait for it as long as it may take.
      const loaded = await varnishadm({ ...adm(), timeoutMs: Math.max(ctx.callTimeoutMs, VCL_LOAD_TIMEOUT_MS) }, ['vcl.load', name, file]);
      if (!loaded.ok)
        return {
          state: 'failed',
          ms: Date.now() - started,
          reason: `vcl.load ${name} failed: ${loaded.text.split('\n').slice(0, 4).join(' / ').slice(0, 300)}`,
        };
      const loadMs = Date.now() - started;
      const used = await varnishadm(adm(), ['vcl.use', name]).catch((error: unknown) => ({ ok: false, text: messageOf(error) }));
      if (!used.ok) {
        // Not used, so nothing holds it: discard it rather than leave it loaded.
        await varnishadm(adm(), ['vcl.discard', name]).catch(() => undefined);
        return { state: 'failed', ms: Date.now() - started, reason: `vcl.use ${name} failed: ${firstLine(used.text)}` };
      }
      const deadline = Date.now() + ctx.callTimeoutMs;
      while (Date.now() < deadline && running() && !(await serves(next))) await sleep(50);
      if (!running()) return { state: 'failed', ms: Date.now() - started, reason: 'Varnish exited during the deploy' };
      if (!(await serves(next)))
        return { state: 'failed', ms: Date.now() - started, reason: `Varnish did not serve VCL ${name} within ${ctx.callTimeoutMs} ms` };
      generation = next;
      deployedBackends = backends;
      let discardNote = 'earlier VCLs kept (--discard-old false)';
      if (discardOld) {
        const { discarded, held } = await discardEarlier(name, Math.min(deadline, Date.now() + releaseWaitMs));
        discardNote = `discarded ${discarded} earlier VCLs${held > 0 ? ` (${held} still held by requests)` : ''}`;
      }
      return {
        state: 'deployed',
        ms: Date.now() - started,
        detail: `loaded VCL ${name} with ${backends.length} backends (compiled in ${loadMs} ms); ${discardNote}`,
      };
    } catch (error) {
      return { state: 'failed', ms: Date.now() - started, reason: messageOf(error) };
    }
  }

  async function listing(): Promise<GatewayCounts> {
    if (!running()) throw gatewayError('Varnish is not running: nothing to list');
    const active = (await vclList()).find((v) => v.status === 'active');
    if (active === undefined) throw gatewayError('Varnish lists no active VCL');
    // backend.list names backends `<vcl>.<backend>`; the active VCL's are the ones serving.
    const backendsAnswer = await varnishadm(adm(), ['backend.list', `${active.name}.${BACKEND_PREFIX}*`]);
    if (!backendsAnswer.ok) throw gatewayError(`varnishadm backend.list failed: ${firstLine(backendsAnswer.text)}`);
    const backends = backendsAnswer.text.split('\n').filter((l) => l.startsWith(`${active.name}.${BACKEND_PREFIX}`)).length;
    const shown = await varnishadm(adm(), ['vcl.show', active.name]);
    if (!shown.ok) throw gatewayError(`varnishadm vcl.show failed: ${firstLine(shown.text)}`);
    const policies = countPolicies(shown.text);
    return {
      serviceGroups: null,
      services: backends,
      operations: null,
      circuits: null,
      attachedPolicies: policies.requestPolicies + policies.responsePolicies,
    };
  }

  async function liveMemory(): Promise<MemoryReading> {
    if (!running()) throw gatewayError('Varnish is not running: no memory to read');
    // Settle: a discarded VCL is freed when the worker threads that last used it take a new request.
    // Requests in parallel release it in a quiet run; one still held after that counts.
    const settleUntil = Date.now() + DISCARDED_SETTLE_MS;
    let vcls = await vclList();
    while (vcls.some((v) => v.status === 'discarded') && Date.now() < settleUntil) {
      await wakeThreads(`${dataUrl()}${GENERATION_PATH}`, 2 * vcls.filter((v) => v.status === 'discarded').reduce((sum, v) => sum + v.busy, 0));
      await sleep(20);
      vcls = await vclList();
    }
    const reading = await treeSource().read();
    const discarded = vcls.filter((v) => v.status === 'discarded').length;
    return { ...reading, extra: { ...reading.extra, loadedVcls: vcls.length - discarded, discardedHeldVcls: discarded } };
  }

  /** Manager and child (`cache-main`); not the compiler `vcl.load` runs (a deploy's compile is gcc's memory, not Varnish's). */
  function treeSource(): MemorySource {
    return createPssTreeSource({
      pid: () => (running() ? (server?.pid ?? null) : null),
      what: 'the Varnish manager',
      include: (pid) => hasCommandName(pid, 'cache-main'),
    });
  }

  function verifyOne(service: VarnishService, dispatcher: Agent): Promise<VerifyOutcome> {
    return probeBothPolicies(service, dataUrl(), RESPONSE_POLICY_HEADER, { dispatcher, timeoutMs: ctx.callTimeoutMs });
  }

  return {
    target: 'varnish',
    ...serverLifecycle(launch, stop, () => server),
    register: (spec) => registerOnce(services, spec, serviceOf),
    deploy,
    listing,
    liveMemory,
    processTreeSource: () => (running() ? treeSource() : null),
    verify: (specs) => verifyEach(specs, services, VERIFY_CONCURRENCY, verifyOne),
    requestUrl: (spec, address) => `${dataUrl()}${endpointRouteFor(spec.serviceName, address, spec.fileName, 'Varnish').probePath}`,
  };
}
