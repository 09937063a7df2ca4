/**
 * Caddy (Debian's caddy 2.6) as a target: one route per service in a JSON configuration loaded
 * whole through the admin API, Go heap read from the admin endpoint's /metrics after a forced GC.
 *
 * What a Caddy "deploy" is here: `POST /load` of the full configuration (every registered route),
 * with `Cache-Control: must-revalidate` so an unchanged configuration is really reloaded too.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Agent } from 'undici';
import { gatewayError, inputError, messageOf } from '../../errors.js';
import { isLoopbackHost } from '../../loopback.js';
import { createGoHeapSource } from '../../sampling/prometheus.js';
import type { MemoryReading, MemorySource } from '../../sampling/source.js';
import { parseWsdl } from '../../wsdl/index.js';
import type { ServiceSpec } from '../../wsdl/model.js';
import type { AdapterContext, DeployOutcome, GatewayAdapter, GatewayCounts, GatewayInfo, VerifyOutcome } from '../adapter.js';
import { freePort, spawnServer, waitForReady, type ServerProcess } from '../../process/server-process.js';
import { serverLifecycle } from '../server-lifecycle.js';
import { registerOnce } from '../register-once.js';
import { countOperations, probeBothPolicies, soapProbeFor, type SoapProbe } from '../soap-probe.js';
import { verifyEach } from '../verify-each.js';
import { CaddyAdminClient } from './admin-client.js';
import { caddyConfigJson, caddyRoute, countOwnRoutes, RESPONSE_POLICY_HEADER, SERVER_NAME, type CaddyRouteSpec } from './config.js';

export interface CaddyOptions {
  /** The caddy binary; default `caddy` on PATH. */
  readonly caddyCommand?: string;
  /** How long Caddy may take to answer its admin API after start; default 30 s, or 2 ms per deployed route if more. */
  readonly startTimeoutMs?: number;
}

export const CADDY_INSTALL_COMMAND = 'apt-get install -y caddy';
/** Probes in flight at once during `verify`. */
const VERIFY_CONCURRENCY = 8;

interface CaddyService {
  readonly spec: ServiceSpec;
  readonly routeJson: string;
  readonly probe: SoapProbe;
  /** Path on the data plane the probe posts to. */
  readonly probePath: string;
  readonly operations: number;
}

/**
 * Where Caddy sends a service's requests: the WSDL endpoint's `host:port`, and how the path maps.
 * Only loopback endpoints are accepted: the harness never sends traffic elsewhere.
 */
export function routeSpecFor(serviceName: string, address: string, source: string): { route: CaddyRouteSpec; probePath: string } {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw inputError(`${source}: endpoint address '${address}' of service ${serviceName} is not a URL`);
  }
  if (url.protocol !== 'http:' || !isLoopbackHost(url.hostname)) {
    throw inputError(
      `${source}: endpoint address ${address} of service ${serviceName} is not http:// on the loopback`,
      'gwscale only proxies to a SOAP backend on this machine (127.0.0.1 or ::1); point the WSDL at --backend',
    );
  }
  const upstreamDial = `${url.hostname}:${url.port === '' ? '80' : url.port}`;
  const path = url.pathname;
  const at = path.indexOf(`/${serviceName}`);
  const afterName = at < 0 ? '' : path.slice(at + serviceName.length + 1);
  if (at >= 0 && (afterName === '' || afterName.startsWith('/'))) {
    const prefix = path.slice(0, at);
    return {
      route: { serviceName, upstreamDial, rewrite: prefix === '' ? null : { kind: 'prefix', prefix } },
      probePath: `/${serviceName}${afterName}`,
    };
  }
  return { route: { serviceName, upstreamDial, rewrite: { kind: 'exact', path: path === '' ? '/' : path } }, probePath: `/${serviceName}` };
}

/** `caddy version` → `caddy v2.6.2`; a one-line error naming the install command when it is missing. */
export async function caddyVersion(command: string): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(command, ['version'], { timeout: 10_000 });
    const version = stdout.trim().split(/\s+/)[0] ?? '';
    return `caddy ${version.startsWith('v') ? version : `v${version}`}`;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw gatewayError(`caddy is not installed (${command} not found): run \`${CADDY_INSTALL_COMMAND}\``, { cause: error });
    }
    throw gatewayError(`caddy version failed: ${messageOf(error)}`, { cause: error });
  }
}

/** Creates the Caddy target. Nothing is started until `start()`. */
export function createCaddyAdapter(ctx: AdapterContext, options: CaddyOptions = {}): GatewayAdapter {
  const command = options.caddyCommand ?? 'caddy';
  const services = new Map<string, CaddyService>();
  /** Routes of the configuration Caddy last loaded, in registration order; loaded again on restart. */
  let deployedRoutes: readonly string[] = [];
  let server: ServerProcess | null = null;
  let baseDir: string | null = null;
  let adminPort: number | null = null;
  let dataPort: number | null = null;
  let version = 'caddy (version unknown)';
  /** One pooled client while Caddy runs; closed at stop, since a restarted Caddy keeps the port. */
  let adminClient: CaddyAdminClient | null = null;

  const adminUrl = (): string => `http://127.0.0.1:${adminPort ?? 0}`;
  const dataUrl = (): string => `http://127.0.0.1:${dataPort ?? 0}`;
  const admin = (): CaddyAdminClient => (adminClient ??= new CaddyAdminClient(adminUrl(), ctx.callTimeoutMs, ctx.log));
  const configFor = (routeJson: readonly string[]): string =>
    caddyConfigJson({ adminListen: `127.0.0.1:${adminPort ?? 0}`, dataListen: `127.0.0.1:${dataPort ?? 0}`, routeJson });

  async function launch(): Promise<GatewayInfo> {
    version = await caddyVersion(command);
    if (baseDir === null) {
      await mkdir(ctx.workDir, { recursive: true });
      baseDir = await mkdtemp(join(ctx.workDir, 'caddy-base-'));
    }
    adminPort ??= await freePort();
    dataPort ??= await freePort();
    // The deployed configuration is what Caddy starts with, so a restart serves what was deployed.
    const configFile = join(baseDir, 'caddy.json');
    await writeFile(configFile, configFor(deployedRoutes));
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: baseDir, XDG_CONFIG_HOME: join(baseDir, 'config'), XDG_DATA_HOME: join(baseDir, 'data') };
    // Go has no hard heap cap; GOMEMLIMIT is the soft limit the runtime collects harder to stay under.
    if (ctx.heapMb !== null) env.GOMEMLIMIT = `${ctx.heapMb}MiB`;
    const started = Date.now();
    const child = await spawnServer({
      name: 'caddy',
      command,
      args: ['run', '--config', configFile],
      cwd: baseDir,
      env,
      installHint: `run \`${CADDY_INSTALL_COMMAND}\``,
      logFile: join(baseDir, 'caddy.log'),
    });
    server = child;
    try {
      // Loading the deployed routes at start takes about 0.15 ms per route here; allow ten times that.
      const timeoutMs = options.startTimeoutMs ?? Math.max(30_000, deployedRoutes.length * 2);
      await waitForReady(child, () => admin().ready(), { what: `${adminUrl()}/config/`, timeoutMs });
    } catch (error) {
      await child.stop(5_000);
      throw error;
    }
    ctx.log(`caddy: ${version} pid ${child.pid} answered after ${Date.now() - started} ms (admin ${adminUrl()}, data ${dataUrl()})`);
    return { version, pid: child.pid, dataUrl: dataUrl(), adminUrl: adminUrl() };
  }

  async function stop(): Promise<void> {
    if (server !== null) await server.stop(10_000);
    await adminClient?.close();
    adminClient = null;
  }

  /** A new service from its WSDL: its probe, its route as Caddy JSON, its operations. */
  function serviceOf(spec: ServiceSpec): CaddyService {
    const document = parseWsdl(spec.wsdlText, spec.fileName);
    const probe = soapProbeFor(document, spec.serviceName);
    const { route, probePath } = routeSpecFor(spec.serviceName, probe.address, spec.fileName);
    const operations = countOperations(document, spec.serviceName);
    return { spec, routeJson: JSON.stringify(caddyRoute(route)), probe, probePath, operations };
  }

  async function deploy(): Promise<DeployOutcome> {
    const started = Date.now();
    if (server === null || !server.isRunning()) return { state: 'failed', ms: 0, reason: 'Caddy is not running' };
    const routes = [...services.values()].map((s) => s.routeJson);
    const outcome = await admin().load(configFor(routes));
    const ms = Date.now() - started;
    if (!outcome.ok) return { state: 'failed', ms, reason: outcome.reason };
    deployedRoutes = routes;
    return { state: 'deployed', ms, detail: `loaded ${routes.length} routes` };
  }

  async function listing(): Promise<GatewayCounts> {
    const routes = await admin().config(`apps/http/servers/${SERVER_NAME}/routes`);
    const counted = countOwnRoutes(routes);
    return {
      serviceGroups: null,
      services: counted.routes,
      operations: null,
      circuits: null,
      attachedPolicies: counted.requestPolicies + counted.responsePolicies,
    };
  }

  async function liveMemory(): Promise<MemoryReading> {
    if (server === null || !server.isRunning()) throw gatewayError('Caddy is not running: no memory to read');
    return createGoHeapSource({ adminUrl: adminUrl(), timeoutMs: ctx.callTimeoutMs }).read();
  }

  /** Go heap allocated as it stands (`/metrics`, no GC): sampled while a config load runs. */
  function heapInUseSource(): MemorySource | null {
    if (server === null || !server.isRunning()) return null;
    return createGoHeapSource({ adminUrl: adminUrl(), timeoutMs: ctx.callTimeoutMs, forceGc: false });
  }

  function verifyOne(service: CaddyService, dispatcher: Agent): Promise<VerifyOutcome> {
    return probeBothPolicies(service, dataUrl(), RESPONSE_POLICY_HEADER, { dispatcher, timeoutMs: ctx.callTimeoutMs });
  }

  return {
    target: 'caddy',
    ...serverLifecycle(launch, stop, () => server),
    register: (spec) => registerOnce(services, spec, serviceOf),
    deploy,
    listing,
    liveMemory,
    heapInUseSource,
    verify: (specs) => verifyEach(specs, services, VERIFY_CONCURRENCY, verifyOne),
    requestUrl: (spec, address) => `${dataUrl()}${routeSpecFor(spec.serviceName, address, spec.fileName).probePath}`,
  };
}
