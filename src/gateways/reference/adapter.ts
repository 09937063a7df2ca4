/**
 * The reference target: spawns the embedded reference gateway (`dist/reference-gateway/main.js`)
 * as its own Node process with `--expose-gc` and the run's heap limit, drives its deployment API,
 * reads its heap after a forced GC, and stops it by PID. Admin credentials travel only in the
 * child's environment.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { Pool } from 'undici';
import { gatewayError, messageOf, usageError } from '../../errors.js';
import { distScript } from '../../process/dist-script.js';
import {
  gatewayProfiles,
  isGatewayProfile,
  PASSWORD_ENV,
  REQUEST_CIRCUIT,
  REQUEST_POLICY_ADD_HEADER,
  REQUEST_POLICY_HEADER,
  RESPONSE_CIRCUIT,
  RESPONSE_POLICY_ADD_HEADER,
  RESPONSE_POLICY_HEADER,
  USER_ENV,
  type ConfigCounts,
  type DeployResult,
  type GatewayMemory,
} from '../../reference-gateway/protocol.js';
import { faultReason, isSoapFault } from '../../soap/message.js';
import type { MemoryReading, MemorySource } from '../../sampling/source.js';
import type { ServiceSpec } from '../../wsdl/model.js';
import type { AdapterContext, DeployOutcome, GatewayAdapter, GatewayCounts, GatewayExit, GatewayInfo, RegisterOutcome, VerifyOutcome } from '../adapter.js';
import { spawnServer, type ServerProcess } from '../../process/server-process.js';
import { AdminCallError, NO_RETRY } from '../admin-client.js';
import { ReferenceAdminClient, type AdminAnswer } from './admin-client.js';
import { createProbeCache } from './probe-cache.js';
import { trimExitTail } from './exit-tail.js';

/** Choices beyond the shared context (tests and benches use them; the CLI takes the defaults). */
export interface ReferenceAdapterOptions {
  /** Library policy attached to every "Request From Front End" circuit. */
  readonly requestPolicy?: string;
  /** Library policy attached to every "Response From Back End" circuit. */
  readonly responsePolicy?: string;
  /** Heap each pooled client holds in the `operation-pool` profile, in KiB (default 128). */
  readonly poolClientKb?: number;
  /** How long the process may take to load its configuration and listen (default 120 s). */
  readonly startTimeoutMs?: number;
  /** Grace period between SIGTERM and SIGKILL (default 10 s). */
  readonly stopGraceMs?: number;
  /** Parallel SOAP requests in `verify` (default 8). */
  readonly verifyConcurrency?: number;
  /**
   * Node script spawned instead of `dist/reference-gateway/main.js`, with Node flags before it; it
   * must speak the same API and handshake (benches: a null gateway that answers at once).
   */
  readonly entryPoint?: { readonly script: string; readonly nodeArgs?: readonly string[] };
  /**
   * Given the admin URL of each freshly started gateway, the URL to call it through instead (tests:
   * a fault-injecting proxy in front of it).
   */
  readonly adminUrlVia?: (realAdminUrl: string) => Promise<string>;
}

interface Handshake {
  readonly version: string;
  readonly adminUrl: string;
  readonly dataUrl: string;
}

interface ListingAnswer {
  readonly store: ConfigCounts;
  readonly active: ConfigCounts | null;
}

const never = new Promise<GatewayExit>(() => undefined);

/** Creates the reference-gateway target. Nothing starts until `start()`. */
export function createReferenceAdapter(ctx: AdapterContext, options: ReferenceAdapterOptions = {}): GatewayAdapter {
  if (!isGatewayProfile(ctx.profile))
    throw usageError(`--profile ${ctx.profile} is not a reference-gateway profile`, `use one of ${gatewayProfiles.join(', ')}`);
  const profile = ctx.profile;
  const requestPolicy = options.requestPolicy ?? REQUEST_POLICY_ADD_HEADER;
  const responsePolicy = options.responsePolicy ?? RESPONSE_POLICY_ADD_HEADER;
  const dataDir = join(ctx.workDir, 'reference-data');
  let child: ServerProcess | null = null;
  let exit: Promise<GatewayExit> = never;
  let admin: ReferenceAdminClient | null = null;
  let info: GatewayInfo | null = null;
  /** The configuration version the gateway last said it serves (a lost deploy answer is checked against it). */
  let deployVersion = 0;

  const client = (): ReferenceAdminClient => {
    if (admin === null) throw gatewayError('the reference gateway is not running: start() it first');
    return admin;
  };

  const start = async (): Promise<GatewayInfo> => {
    if (child?.isRunning()) throw gatewayError(`the reference gateway is already running (pid ${child.pid})`);
    mkdirSync(dataDir, { recursive: true });
    const script = options.entryPoint?.script ?? distScript('reference-gateway/main.js');
    const nodeArgs = [...(options.entryPoint?.nodeArgs ?? []), '--expose-gc', ...(ctx.heapMb === null ? [] : [`--max-old-space-size=${ctx.heapMb}`])];
    const args = [...nodeArgs, script, '--data-dir', dataDir, '--profile', profile, '--pool-client-kb', String(options.poolClientKb ?? 128)];
    let onHandshake: (h: Handshake) => void = () => undefined;
    const handshake = new Promise<Handshake>((resolve) => (onHandshake = resolve));
    // A minimal environment: the credentials and what Node needs, nothing else of the harness's.
    const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? ctx.workDir, LANG: 'C.UTF-8' };
    if (process.env['TMPDIR'] !== undefined) env['TMPDIR'] = process.env['TMPDIR'];
    env[USER_ENV] = ctx.credentials.user;
    env[PASSWORD_ENV] = ctx.credentials.password;
    const started = Date.now();
    const proc = await spawnServer({
      exitWithParent: true,
      name: 'reference gateway',
      command: process.execPath,
      args,
      env,
      tailLines: 200,
      logFile: join(ctx.workDir, 'reference-gateway.log'),
      onLine: (line, stream) => {
        if (stream !== 'stdout' || !line.startsWith('{"event":"listening"')) return;
        try {
          onHandshake(JSON.parse(line) as Handshake);
        } catch {
          // a truncated line: keep waiting for the real one
        }
      },
    });
    child = proc;
    exit = proc.exited.then(trimExitTail);
    const timeoutMs = options.startTimeoutMs ?? 120_000;
    let timer: NodeJS.Timeout | undefined;
    const first = await Promise.race([
      handshake.then((h) => ({ h })),
      exit.then((e) => ({ e })),
      new Promise<{ timeout: true }>((resolve) => (timer = setTimeout(() => resolve({ timeout: true }), timeoutMs))),
    ]);
    clearTimeout(timer);
    if ('e' in first) {
      const last = first.e.stderrTail.filter((l) => l.trim() !== '').at(-1) ?? '';
      throw gatewayError(
        `the reference gateway exited while starting (${first.e.signal ?? `exit code ${String(first.e.exitCode)}`})${last === '' ? '' : `: ${last.trim()}`}`,
      );
    }
    if ('timeout' in first) {
      await proc.stop(options.stopGraceMs ?? 10_000);
      throw gatewayError(`the reference gateway did not listen within ${timeoutMs} ms`, { hint: `see ${join(ctx.workDir, 'reference-gateway.log')}` });
    }
    await admin?.close();
    const adminUrl = options.adminUrlVia ? await options.adminUrlVia(first.h.adminUrl) : first.h.adminUrl;
    admin = new ReferenceAdminClient(adminUrl, ctx.credentials, ctx.callTimeoutMs, ctx.log);
    const about = await admin.ok<{ version: string; deployVersion: number }>('GET', '/api/info');
    deployVersion = about.deployVersion;
    ctx.log(`reference gateway ${profile} pid ${proc.pid} listening at ${adminUrl} (data ${first.h.dataUrl}) after ${Date.now() - started} ms`);
    info = { version: about.version, pid: proc.pid, dataUrl: first.h.dataUrl, adminUrl };
    return info;
  };

  const stop = async (): Promise<void> => {
    const proc = child;
    if (proc !== null) await proc.stop(options.stopGraceMs ?? 10_000);
    await admin?.close();
    admin = null;
  };

  const register = async (spec: ServiceSpec): Promise<RegisterOutcome> => {
    const api = client();
    const group = encodeURIComponent(spec.group);
    // Every step is idempotent on the gateway (an existing group, service or attachment is a no-op), so retries are safe.
    const once = { idempotent: true };
    await api.ok('POST', '/api/groups', { name: spec.group }, once);
    const wsdlUrl = `${ctx.wsdlBaseUrl.replace(/\/+$/, '')}/${encodeURIComponent(spec.fileName)}`;
    const imported = await api.ok<{ created: boolean; services: { name: string; operations: string[] }[] }>(
      'POST',
      `/api/groups/${group}/services`,
      { wsdlUrl },
      once,
    );
    const service = imported.services.find((s) => s.name === spec.serviceName);
    if (service === undefined)
      throw gatewayError(
        `importing ${wsdlUrl} into ${spec.group} did not create service ${spec.serviceName} (got ${imported.services.map((s) => s.name).join(', ') || 'none'})`,
      );
    let attachedPolicies = 0;
    for (const [circuit, policy] of [
      [REQUEST_CIRCUIT, requestPolicy],
      [RESPONSE_CIRCUIT, responsePolicy],
    ] as const) {
      const answer = await api.ok<{ attached: number; alreadyAttached: number }>(
        'POST',
        `/api/groups/${group}/services/${encodeURIComponent(service.name)}/policies`,
        { circuit, policy },
        once,
      );
      attachedPolicies += answer.attached + answer.alreadyAttached;
    }
    return { attachedPolicies, operations: service.operations.length, created: imported.created };
  };

  /**
   * What became of a deploy whose answer never came (timeout, reset): the gateway's own deploy
   * version says whether it took effect. Null when the gateway no longer answers at all (it died,
   * or the run cannot go on): the caller rethrows and the driver decides.
   */
  const lostDeploy = async (api: ReferenceAdminClient, lost: AdminCallError, t0: number): Promise<DeployOutcome | null> => {
    let now: { deployVersion: number };
    try {
      now = await api.ok<{ deployVersion: number }>('GET', '/api/info', undefined, { retry: NO_RETRY });
    } catch (check) {
      // Alive but too busy to answer: the deploy failed; the next call shows whether the run can go on.
      if (check instanceof AdminCallError && check.failure.kind === 'timeout')
        return { state: 'failed', ms: Date.now() - t0, reason: `${lost.message}; GET /api/info timed out too` };
      return null;
    }
    if (now.deployVersion > deployVersion) {
      deployVersion = now.deployVersion;
      return { state: 'deployed', ms: Date.now() - t0, detail: `configuration v${now.deployVersion} (its answer was lost: ${lost.failure.description})` };
    }
    return { state: 'failed', ms: Date.now() - t0, reason: `${lost.message}; the gateway still serves configuration v${now.deployVersion}` };
  };

  /** A deploy is sent once: a second one would add to what is measured (see `lostDeploy`). */
  const deploy = async (): Promise<DeployOutcome> => {
    const t0 = Date.now();
    const api = client();
    let answer: AdminAnswer<DeployResult | { readonly status?: undefined; readonly error?: string }>;
    try {
      answer = await api.call('POST', '/api/deploy', undefined, { idempotent: false, fresh: true });
    } catch (error) {
      const outcome = error instanceof AdminCallError ? await lostDeploy(api, error, t0) : null;
      if (outcome === null) throw error;
      return outcome;
    }
    const result = answer.body;
    if (result.status === 'deployed') {
      deployVersion = result.deployVersion;
      return { state: 'deployed', ms: result.ms, detail: `configuration v${result.deployVersion}, ${result.services} services, ${result.configBytes} bytes` };
    }
    if (result.status === 'failed') return { state: 'failed', ms: result.ms, reason: result.reason };
    return { state: 'failed', ms: Date.now() - t0, reason: `HTTP ${answer.status}: ${result.error ?? 'no reason given'}` };
  };

  const listing = async (): Promise<GatewayCounts> => {
    const answer = await client().ok<ListingAnswer>('GET', '/api/listing');
    // What the gateway serves once something is deployed; before that, what it has registered.
    const counts = answer.active ?? answer.store;
    return { ...counts };
  };

  const liveMemory = async (): Promise<MemoryReading> => {
    const m = await client().ok<GatewayMemory>('POST', '/api/gc', undefined, { idempotent: true });
    return {
      bytes: m.heapUsedBytes,
      source: 'v8-heap-after-gc',
      afterGc: true,
      extra: {
        rssBytes: m.rssBytes,
        heapTotalBytes: m.heapTotalBytes,
        externalBytes: m.externalBytes,
        arrayBuffersBytes: m.arrayBuffersBytes,
        heapLimitBytes: m.heapLimitBytes,
      },
    };
  };

  /** V8 heap used as it stands (`GET /api/memory`, no GC): sampled while a deploy runs. */
  const heapInUseSource = (): MemorySource => ({
    name: 'v8-heap-used',
    measures: 'V8 heap used as it stands, garbage included (process.memoryUsage().heapUsed, GET /api/memory)',
    read: async () => {
      // One attempt: a sample that fails is skipped, the next one comes a few ms later.
      const m = await client().ok<GatewayMemory>('GET', '/api/memory', undefined, { retry: NO_RETRY });
      return { bytes: m.heapUsedBytes, source: 'v8-heap-used', afterGc: false };
    },
  });

  const probeOf = createProbeCache();
  const verifyOne = async (spec: ServiceSpec, dataPlane: Pool, basePath: string): Promise<VerifyOutcome> => {
    const serviceName = spec.serviceName;
    try {
      const probe = probeOf(spec);
      // headersTimeout and bodyTimeout bound a probe; a timer per probe (AbortSignal.timeout) cost more CPU than the rest of it.
      const answer = await dataPlane.request({
        path: `${basePath}/${encodeURIComponent(serviceName)}`,
        method: 'POST',
        headers: { ...probe.headers },
        body: probe.body,
        headersTimeout: ctx.callTimeoutMs,
        bodyTimeout: ctx.callTimeoutMs,
      });
      const body = await answer.body.text();
      const status = answer.statusCode;
      const header = (name: string): string => {
        const v = answer.headers[name];
        return Array.isArray(v) ? v.join(', ') : (v ?? '');
      };
      if (isSoapFault(body)) return { serviceName, ok: false, status, error: `SOAP fault: ${faultReason(body) ?? 'no reason'}` };
      if (status !== 200 && status !== 202) return { serviceName, ok: false, status, error: `HTTP ${status}` };
      const echoed = header(`x-echo-${REQUEST_POLICY_HEADER}`);
      if (!echoed.includes(requestPolicy) && !body.includes(requestPolicy))
        return { serviceName, ok: false, status, error: `the backend did not see request policy "${requestPolicy}"` };
      if (!header(RESPONSE_POLICY_HEADER).includes(responsePolicy))
        return { serviceName, ok: false, status, error: `the answer lacks response policy "${responsePolicy}" (${RESPONSE_POLICY_HEADER})` };
      return { serviceName, ok: true, status };
    } catch (error) {
      return { serviceName, ok: false, status: null, error: messageOf(error) };
    }
  };

  const verify = async (services: readonly ServiceSpec[]): Promise<readonly VerifyOutcome[]> => {
    if (info === null) throw gatewayError('the reference gateway is not running: start() it first');
    const dataUrl = new URL(info.dataUrl);
    const concurrency = options.verifyConcurrency ?? 8;
    const limit = pLimit(concurrency);
    // One keep-alive pool per call: no origin lookup per probe (bench/overhead: 210 → 127 µs of harness CPU a probe).
    const dataPlane = new Pool(dataUrl.origin, { connections: concurrency });
    try {
      return await Promise.all(services.map((spec) => limit(() => verifyOne(spec, dataPlane, dataUrl.pathname.replace(/\/+$/, '')))));
    } finally {
      await dataPlane.close();
    }
  };

  return {
    target: 'reference',
    start,
    stop,
    restart: async () => {
      await stop();
      return start();
    },
    register,
    deploy,
    listing,
    liveMemory,
    heapInUseSource,
    verify,
    requestUrl: (spec) => {
      if (info === null) throw gatewayError('the reference gateway is not running: start() it first');
      return `${info.dataUrl}/${encodeURIComponent(spec.serviceName)}`;
    },
    pid: () => (child?.isRunning() ? child.pid : null),
    exited: () => exit,
  };
}
