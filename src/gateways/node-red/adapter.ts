/**
 * Node-RED (3.x or 4.x, installed from npm into gwscale's cache) as a target: one flow tab per
 * service, the whole flow configuration deployed at once, V8 heap read from outside through the
 * inspector after a forced GC.
 *
 * What a Node-RED "deploy" is here: `POST /flows` of every tab with `Node-RED-Deployment-Type:
 * full` (every node is stopped, the new configuration started), then the wait for the runtime's
 * `notification/runtime-deploy` of that revision on the comms socket: `POST /flows` answers before
 * the new flows have started.
 */
import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Agent } from 'undici';
import { gatewayError } from '../../errors.js';
import { createV8InspectorSource, inspectorUrlFromLine, openInspector, type InspectorSession } from '../../sampling/inspector.js';
import type { MemoryReading, MemorySource } from '../../sampling/source.js';
import type { ServiceSpec, WsdlDocument } from '../../wsdl/model.js';
import type { AdapterContext, DeployOutcome, GatewayAdapter, GatewayCounts, GatewayInfo, RegisterOutcome, VerifyOutcome } from '../adapter.js';
import { endpointRouteFor, proxiedService, type EndpointRoute } from '../endpoint-route.js';
import { freePort, spawnServer, waitForReady, type ServerProcess } from '../../process/server-process.js';
import { registerOnce } from '../register-once.js';
import { serverLifecycle } from '../server-lifecycle.js';
import { probeBothPolicies, type SoapProbe } from '../soap-probe.js';
import { verifyEach } from '../verify-each.js';
import { NodeRedAdminClient } from './admin-client.js';
import { countOwnTabs, RESPONSE_POLICY_HEADER, serviceTab, type FlowNode } from './flows.js';
import { DEFAULT_NODE_RED_VERSION, ensureNodeRed, type NodeRedInstall } from './install.js';
import { bcryptHash, nodeRedSettings } from './settings.js';

export interface NodeRedOptions {
  /** gwscale's cache folder (Node-RED versions go to `<cacheDir>/node-red/<version>`); default `$GWSCALE_CACHE_DIR`, else `~/.cache/gwscale`. */
  readonly cacheDir?: string;
  /** The npm command; default `npm` on PATH. */
  readonly npmCommand?: string;
  /** How long Node-RED may take to answer after start; default 60 s plus 20 ms per deployed service. */
  readonly startTimeoutMs?: number;
}

/** Probes in flight at once during `verify`. */
const VERIFY_CONCURRENCY = 8;

interface NodeRedService {
  readonly spec: ServiceSpec;
  readonly tab: readonly FlowNode[];
  readonly probe: SoapProbe;
  readonly probePath: string;
  readonly operations: number;
}

/** The `http in` paths of a service: its probe's, then those of its other endpoints on the same backend and prefix. */
function servicePaths(doc: WsdlDocument, serviceName: string, primary: EndpointRoute, source: string): string[] {
  const paths = [primary.probePath];
  if (primary.rewrite?.kind === 'exact') return paths;
  const service = doc.services.find((s) => s.name === serviceName);
  for (const endpoint of service?.endpoints ?? []) {
    let route: EndpointRoute;
    try {
      route = endpointRouteFor(serviceName, endpoint.address, source, 'Node-RED');
    } catch {
      continue; // an endpoint the gateway does not front (another protocol, off the loopback)
    }
    const samePrefix = JSON.stringify(route.rewrite) === JSON.stringify(primary.rewrite);
    if (route.host === primary.host && route.port === primary.port && samePrefix && !paths.includes(route.probePath)) paths.push(route.probePath);
  }
  return paths;
}

/**
 * Node-RED's environment: the harness's, without gwscale's own variables (the admin password may be
 * one of them, and flows can read the environment), with HOME in the run folder and no NODE_OPTIONS.
 */
function nodeRedEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('GWSCALE_')) env[name] = value;
  return { ...env, HOME: home, NODE_OPTIONS: '' };
}

/** Creates the Node-RED target. Nothing is installed or started until `start()`. */
export function createNodeRedAdapter(ctx: AdapterContext, options: NodeRedOptions = {}): GatewayAdapter {
  const versionSpec = ctx.targetOptions?.gatewayVersion ?? DEFAULT_NODE_RED_VERSION;
  const services = new Map<string, NodeRedService>();
  let deployedCount = 0;
  let install: NodeRedInstall | null = null;
  let passwordHash: string | null = null;
  let server: ServerProcess | null = null;
  let baseDir: string | null = null;
  let port: number | null = null;
  let inspectPort: number | null = null;
  let adminClient: NodeRedAdminClient | null = null;
  let inspector: InspectorSession | null = null;

  const dataUrl = (): string => `http://127.0.0.1:${port ?? 0}`;
  const running = (): boolean => server !== null && server.isRunning();
  const admin = (): NodeRedAdminClient => {
    if (adminClient === null) throw gatewayError('Node-RED is not running');
    return adminClient;
  };
  const heapSource = (forceGc: boolean): MemorySource =>
    createV8InspectorSource({
      session: () => (running() ? inspector : null),
      pid: () => (running() ? (server?.pid ?? null) : null),
      what: 'Node-RED',
      forceGc,
      timeoutMs: ctx.callTimeoutMs,
    });

  async function launch(): Promise<GatewayInfo> {
    install ??= await ensureNodeRed(versionSpec, {
      ...(options.cacheDir === undefined ? {} : { cacheDir: options.cacheDir }),
      ...(options.npmCommand === undefined ? {} : { npmCommand: options.npmCommand }),
      log: ctx.log,
    });
    passwordHash ??= await bcryptHash(ctx.credentials.password, install.packageDir);
    if (baseDir === null) {
      await mkdir(ctx.workDir, { recursive: true });
      baseDir = await mkdtemp(join(ctx.workDir, 'node-red-base-'));
    }
    const userDir = join(baseDir, 'user');
    await mkdir(userDir, { recursive: true });
    port ??= await freePort();
    inspectPort ??= await freePort();
    const settingsFile = join(baseDir, 'settings.js');
    await writeFile(
      settingsFile,
      nodeRedSettings({ port, user: ctx.credentials.user, passwordHash, httpRequestTimeoutMs: Math.max(60_000, ctx.callTimeoutMs) }),
      { mode: 0o600 },
    );
    await chmod(settingsFile, 0o600);
    let inspectorUrl: string | null = null;
    const nodeArgs = ['--expose-gc', `--inspect=127.0.0.1:${inspectPort}`, ...(ctx.heapMb === null ? [] : [`--max-old-space-size=${ctx.heapMb}`])];
    const started = Date.now();
    // The flows last deployed are in the user folder's flows.json: Node-RED starts them again.
    const child = await spawnServer({
      name: 'node-red',
      command: process.execPath,
      args: [...nodeArgs, install.entry, '--userDir', userDir, '--settings', settingsFile],
      cwd: baseDir,
      env: nodeRedEnv(baseDir),
      logFile: join(baseDir, 'node-red.log'),
      onLine: (line) => {
        inspectorUrl ??= inspectorUrlFromLine(line);
      },
    });
    server = child;
    const client = new NodeRedAdminClient(dataUrl(), ctx.callTimeoutMs, ctx.log);
    adminClient = client;
    try {
      const timeoutMs = options.startTimeoutMs ?? 60_000 + deployedCount * 20;
      await waitForReady(child, async () => inspectorUrl !== null && (await client.ready()), { what: `${dataUrl()}/auth/login`, timeoutMs });
      await client.login(ctx.credentials.user, ctx.credentials.password);
      inspector = await openInspector(inspectorUrl ?? '');
      // The runtime starts the saved flows while its API already answers: wait until the first and last deployed serve.
      const deployed = [...services.values()].slice(0, deployedCount);
      const edge = deployed.length === 0 ? [] : [deployed[0]!, deployed[deployed.length - 1]!];
      const probe = new Agent({ connections: 2 });
      try {
        await waitForReady(child, async () => (await Promise.all(edge.map((s) => verifyOne(s, probe)))).every((o) => o.ok), {
          what: `${dataUrl()} (the deployed flows)`,
          timeoutMs,
        });
      } finally {
        await probe.close();
      }
    } catch (error) {
      await stop();
      throw error;
    }
    const version = `Node-RED ${install.version}`;
    ctx.log(`node-red: ${version} pid ${child.pid} serving after ${Date.now() - started} ms (admin and data ${dataUrl()}, inspector 127.0.0.1:${inspectPort})`);
    return { version, pid: child.pid, dataUrl: dataUrl(), adminUrl: dataUrl() };
  }

  async function stop(): Promise<void> {
    inspector?.close();
    inspector = null;
    await adminClient?.close();
    adminClient = null;
    if (server !== null) await server.stop(10_000);
  }

  function register(spec: ServiceSpec): Promise<RegisterOutcome> {
    return registerOnce(services, spec, (): NodeRedService => {
      const { document, probe, route, operations } = proxiedService(spec, 'Node-RED');
      const tab = serviceTab({ serviceName: spec.serviceName, route, paths: servicePaths(document, spec.serviceName, route, spec.fileName) });
      return { spec, tab, probe, probePath: route.probePath, operations };
    });
  }

  async function deploy(): Promise<DeployOutcome> {
    const started = Date.now();
    if (!running()) return { state: 'failed', ms: 0, reason: 'Node-RED is not running' };
    const all = [...services.values()];
    const flows = all.flatMap((s) => s.tab);
    try {
      const outcome = await admin().deployFull(flows, ctx.callTimeoutMs);
      const ms = Date.now() - started;
      if (!outcome.ok) return { state: 'failed', ms, reason: outcome.reason };
      deployedCount = all.length;
      return { state: 'deployed', ms, detail: `${all.length} tabs (${flows.length} nodes) started, revision ${outcome.rev.slice(0, 12)}` };
    } catch (error) {
      return { state: 'failed', ms: Date.now() - started, reason: error instanceof Error ? error.message : String(error) };
    }
  }

  async function listing(): Promise<GatewayCounts> {
    const counted = countOwnTabs((await admin().flows()).flows);
    return {
      serviceGroups: null,
      services: counted.tabs,
      operations: null,
      circuits: null,
      attachedPolicies: counted.requestPolicies + counted.responsePolicies,
    };
  }

  async function liveMemory(): Promise<MemoryReading> {
    if (!running()) throw gatewayError('Node-RED is not running: no memory to read');
    return heapSource(true).read();
  }

  function verifyOne(service: NodeRedService, dispatcher: Agent): Promise<VerifyOutcome> {
    return probeBothPolicies(service, dataUrl(), RESPONSE_POLICY_HEADER, { dispatcher, timeoutMs: ctx.callTimeoutMs });
  }

  return {
    target: 'node-red',
    ...serverLifecycle(launch, stop, () => server),
    register,
    deploy,
    listing,
    liveMemory,
    heapInUseSource: () => (running() ? heapSource(false) : null),
    verify: (specs) => verifyEach(specs, services, VERIFY_CONCURRENCY, verifyOne),
    requestUrl: (spec, address) => `${dataUrl()}${endpointRouteFor(spec.serviceName, address, spec.fileName, 'Node-RED').probePath}`,
  };
}
