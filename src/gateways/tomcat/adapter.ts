/**
 * Apache Tomcat (Debian's tomcat10 + tomcat10-admin) as a target: one WAR per service, deployed
 * through the manager text API, memory through the JMX proxy.
 *
 * What a Tomcat "deploy" is here: upload (PUT `deploy?update=true`) the WAR of every service
 * registered since the last deploy; contexts deployed before are redeployed as `--redeploy-mode`
 * says. `full` (the default, what an operator's redeploy is) uploads their WAR again: Tomcat
 * undeploys the context (a new Context object, its work folder and sessions dropped) and deploys a
 * new one. `reload` keeps the Context object and restarts it with a new webapp classloader. Both
 * churn classloaders; classes of old loaders must be unloaded.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { Agent } from 'undici';
import { gatewayError, messageOf } from '../../errors.js';
import { readProcessUsage } from '../../sampling/process-usage.js';
import { createJvmHeapSource, JmxProxy } from '../../sampling/jvm.js';
import type { MemoryReading, MemorySource } from '../../sampling/source.js';
import { parseWsdl } from '../../wsdl/index.js';
import type { ServiceSpec, WsdlDocument } from '../../wsdl/model.js';
import type { AdapterContext, RedeployMode, DeployOutcome, GatewayAdapter, GatewayCounts, GatewayInfo, RegisterOutcome, VerifyOutcome } from '../adapter.js';
import { freePort, spawnServer, waitForReady, type ServerProcess } from '../../process/server-process.js';
import { countOperations, judgeProbe, soapProbeFor, type SoapProbe } from '../soap-probe.js';
import { writeTomcatBase } from './base-folder.js';
import { serverLifecycle } from '../server-lifecycle.js';
import { verifyEach } from '../verify-each.js';
import { NO_RETRY } from '../admin-client.js';
import { ManagerClient, parseContextList } from './manager-client.js';
import { buildServiceWar, CLIENT_ADDRESS_HEADER, REQUEST_POLICY_FILTER, RESPONSE_POLICY_FILTER, type WarOperation } from './war.js';

/** Where Debian puts things; override for another layout. */
export interface TomcatOptions {
  readonly catalinaHome?: string;
  readonly managerDir?: string;
  readonly javaCommand?: string;
  /** How long the JVM may take to answer the manager API after start; default 60 s, or 250 ms per deployed WAR if more. */
  readonly startTimeoutMs?: number;
  /** Manager calls in flight at once during a deploy; default 2. */
  readonly deployConcurrency?: number;
  /** Build WARs whose JSP pins its classloader (for proving the leak signals fire); default false. */
  readonly plantClassloaderLeak?: boolean;
}

export const TOMCAT_INSTALL_COMMAND = 'apt-get install -y tomcat10 tomcat10-admin';
/** Heap when `--gateway-heap-mb` is not given. */
export const DEFAULT_TOMCAT_HEAP_MB = 512;
/** The client address verify sends in X-Forwarded-For; the request policy must make it the request's address. */
export const VERIFY_FORWARDED_FOR = '192.0.2.10';
/** Probes in flight at once during `verify`. */
const VERIFY_CONCURRENCY = 4;
/** An operator's redeploy replaces each webapp; a reload is the gentler operation. */
/** ObjectName pattern of the webapp classloader MBeans of started contexts. */
const WEBAPP_CLASSLOADERS = 'Catalina:type=*WebappClassLoader,*';
export const DEFAULT_REDEPLOY_MODE: RedeployMode = 'full';

/** Flags `catalina.sh run` would pass, with the JVM started directly so the PID we hold is the JVM's. */
export function tomcatJvmArgs(catalinaHome: string, baseDir: string, heapMb: number): string[] {
  return [
    `-Xmx${heapMb}m`,
    // A JVM that ran out of heap keeps running half-broken; make it exit so the harness sees the crash.
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    // A connector that cannot bind (port taken meanwhile) must end the JVM, not leave it half-started.
    '-Dorg.apache.catalina.startup.EXIT_ON_INIT_FAILURE=true',
    `-Djava.io.tmpdir=${join(baseDir, 'temp')}`,
    `-Djava.util.logging.config.file=${join(baseDir, 'conf', 'logging.properties')}`,
    '-Djava.util.logging.manager=org.apache.juli.ClassLoaderLogManager',
    '-Djdk.tls.ephemeralDHKeySize=2048',
    '-Djava.protocol.handler.pkgs=org.apache.catalina.webresources',
    '-Dorg.apache.catalina.security.SecurityListener.UMASK=0027',
    '--add-opens=java.base/java.lang=ALL-UNNAMED',
    '--add-opens=java.base/java.lang.reflect=ALL-UNNAMED',
    '--add-opens=java.base/java.io=ALL-UNNAMED',
    '--add-opens=java.base/java.util=ALL-UNNAMED',
    '--add-opens=java.base/java.util.concurrent=ALL-UNNAMED',
    '--add-opens=java.rmi/sun.rmi.transport=ALL-UNNAMED',
    '-classpath',
    `${join(catalinaHome, 'bin', 'bootstrap.jar')}:${join(catalinaHome, 'bin', 'tomcat-juli.jar')}`,
    `-Dcatalina.base=${baseDir}`,
    `-Dcatalina.home=${catalinaHome}`,
    'org.apache.catalina.startup.Bootstrap',
    'start',
  ];
}

/** A context path Tomcat accepts as a WAR name: the service name when it is plain, else `svc-<index>`. */
export function contextNameFor(spec: ServiceSpec): string {
  return /^[A-Za-z0-9_.-]+$/.test(spec.serviceName) && !spec.serviceName.startsWith('.') && spec.serviceName !== 'manager'
    ? spec.serviceName
    : `svc-${spec.index}`;
}

interface TomcatService {
  readonly spec: ServiceSpec;
  readonly contextName: string;
  readonly document: WsdlDocument;
  readonly operations: readonly WarOperation[];
  readonly probe: SoapProbe;
  /** Path below the context the probe posts to (an endpoint suffix such as `/soap12`, or empty). */
  readonly probeSuffix: string;
}

/** The endpoint path after `/<serviceName>` in an address, e.g. `/soap12`; empty when there is none. */
function suffixAfterService(address: string, serviceName: string): string {
  let path: string;
  try {
    path = new URL(address).pathname;
  } catch {
    return '';
  }
  const at = path.indexOf(`/${serviceName}`);
  return at < 0 ? '' : path.slice(at + serviceName.length + 1);
}

/** Creates the Tomcat target. Nothing is started until `start()`. */
export function createTomcatAdapter(ctx: AdapterContext, options: TomcatOptions = {}): GatewayAdapter {
  const catalinaHome = options.catalinaHome ?? '/usr/share/tomcat10';
  const managerDir = options.managerDir ?? '/usr/share/tomcat10-admin/manager';
  const javaCommand = options.javaCommand ?? 'java';
  const heapMb = ctx.heapMb ?? DEFAULT_TOMCAT_HEAP_MB;
  const concurrency = Math.max(1, options.deployConcurrency ?? 2);
  const redeployMode: RedeployMode = ctx.targetOptions?.redeployMode ?? DEFAULT_REDEPLOY_MODE;

  const services = new Map<string, TomcatService>();
  /** Contexts whose WAR Tomcat holds, by context name. */
  const deployed = new Set<string>();
  let server: ServerProcess | null = null;
  let baseDir: string | null = null;
  let port: number | null = null;

  const dataUrl = (): string => `http://127.0.0.1:${port ?? 0}`;
  const managerUrl = (): string => `${dataUrl()}/manager`;
  /** One pooled client while Tomcat runs; closed at stop, since a restarted Tomcat keeps the port. */
  let managerClient: ManagerClient | null = null;
  const manager = (): ManagerClient =>
    (managerClient ??= new ManagerClient({
      managerUrl: managerUrl(),
      user: ctx.credentials.user,
      password: ctx.credentials.password,
      timeoutMs: ctx.callTimeoutMs,
      log: ctx.log,
    }));

  function checkInstalled(): void {
    if (!existsSync(join(catalinaHome, 'bin', 'bootstrap.jar'))) {
      throw gatewayError(`tomcat10 is not installed (${join(catalinaHome, 'bin', 'bootstrap.jar')} is missing): run \`${TOMCAT_INSTALL_COMMAND}\``);
    }
    if (!existsSync(join(managerDir, 'WEB-INF', 'web.xml'))) {
      throw gatewayError(`tomcat10-admin is not installed (no manager webapp at ${managerDir}): run \`${TOMCAT_INSTALL_COMMAND}\``);
    }
  }

  async function launch(): Promise<GatewayInfo> {
    checkInstalled();
    if (baseDir === null) {
      await mkdir(ctx.workDir, { recursive: true });
      baseDir = await mkdtemp(join(ctx.workDir, 'tomcat-base-'));
    }
    port ??= await freePort();
    await writeTomcatBase({ baseDir, catalinaHome, managerDir, port, user: ctx.credentials.user, password: ctx.credentials.password });
    const started = Date.now();
    const child = await spawnServer({
      name: 'tomcat',
      command: javaCommand,
      args: tomcatJvmArgs(catalinaHome, baseDir, heapMb),
      cwd: baseDir,
      env: { ...process.env, CATALINA_HOME: catalinaHome, CATALINA_BASE: baseDir },
      installHint: `run \`${TOMCAT_INSTALL_COMMAND}\` (it brings a Java runtime)`,
      logFile: join(baseDir, 'logs', 'console.log'),
      tailLines: 60,
    });
    server = child;
    ctx.log(`tomcat: started JVM pid ${child.pid}, CATALINA_BASE ${baseDir}, -Xmx${heapMb}m`);
    let serverInfo: string[] = [];
    try {
      await waitForReady(
        child,
        async () => {
          const answer = await manager().text('serverinfo', {}, undefined, { timeoutMs: 2_000, retry: NO_RETRY });
          serverInfo = [answer.message, ...answer.lines];
          return answer.ok;
        },
        // On a restart every deployed WAR is deployed again before the connector opens.
        { what: `${managerUrl()}/text/serverinfo`, timeoutMs: options.startTimeoutMs ?? Math.max(60_000, deployed.size * 250), intervalMs: 250 },
      );
    } catch (error) {
      await child.stop(5_000);
      throw error;
    }
    // Lines look like `Tomcat Version: [Apache Tomcat/10.1.60 (Debian)]`.
    const field = (name: string): string =>
      serverInfo
        .find((l) => l.startsWith(`${name}:`))
        ?.slice(name.length + 1)
        .trim()
        .replace(/^\[(.*)\]$/, '$1') ?? '';
    const tomcatVersion = field('Tomcat Version') || 'Apache Tomcat (version unknown)';
    const jvmVersion = field('JVM Version');
    const info: GatewayInfo = {
      version: `${tomcatVersion}${jvmVersion === '' ? '' : ` (JVM ${jvmVersion})`}`,
      pid: child.pid,
      dataUrl: dataUrl(),
      adminUrl: managerUrl(),
    };
    ctx.log(`tomcat: ${info.version} answered after ${Date.now() - started} ms`);
    return info;
  }

  async function stop(): Promise<void> {
    const child = server;
    if (child === null) return;
    await child.stop(10_000);
    await managerClient?.close();
    managerClient = null;
  }

  function register(spec: ServiceSpec): Promise<RegisterOutcome> {
    // Parsing is synchronous; a bad WSDL must still come back as a rejected promise.
    return Promise.resolve().then(() => registerNow(spec));
  }

  function registerNow(spec: ServiceSpec): RegisterOutcome {
    const existing = services.get(spec.serviceName);
    if (existing !== undefined) return { attachedPolicies: 2, operations: existing.operations.length, created: false };
    const document = parseWsdl(spec.wsdlText, spec.fileName);
    const probe = soapProbeFor(document, spec.serviceName);
    const seen = new Set<string>();
    const operations: WarOperation[] = [];
    for (const iface of document.interfaces) {
      for (const op of iface.operations) {
        if (seen.has(op.name)) continue;
        seen.add(op.name);
        operations.push({ name: op.name, inputElement: op.inputElement, outputElement: op.outputElement, oneWay: op.pattern === 'in-only' });
      }
    }
    const service: TomcatService = {
      spec,
      contextName: contextNameFor(spec),
      document,
      operations,
      probe,
      probeSuffix: suffixAfterService(probe.address, spec.serviceName),
    };
    services.set(spec.serviceName, service);
    return { attachedPolicies: 2, operations: countOperations(document, spec.serviceName) || operations.length, created: true };
  }

  /** The WSDL as Tomcat serves it: endpoint addresses point at the context instead of the backend. */
  function servedWsdl(service: TomcatService): string {
    const from = `${ctx.backendUrl.replace(/\/+$/, '')}/${service.spec.serviceName}`;
    return service.spec.wsdlText.split(from).join(`${dataUrl()}/${service.contextName}`);
  }

  function warOf(service: TomcatService): Uint8Array {
    return buildServiceWar({
      serviceName: service.spec.serviceName,
      targetNamespace: service.document.targetNamespace,
      operations: service.operations,
      wsdlText: servedWsdl(service),
      plantClassloaderLeak: options.plantClassloaderLeak === true,
    });
  }

  async function deploy(): Promise<DeployOutcome> {
    const started = Date.now();
    if (server === null || !server.isRunning()) {
      return { state: 'failed', ms: 0, reason: 'Tomcat is not running' };
    }
    const client = manager();
    const limit = pLimit(concurrency);
    const failures: string[] = [];
    let uploaded = 0;
    let redeployed = 0;
    const tasks = [...services.values()].map((service) =>
      limit(async () => {
        const path = `/${service.contextName}`;
        const existing = deployed.has(service.contextName);
        try {
          if (existing && redeployMode === 'reload') {
            const answer = await client.text('reload', { path });
            if (answer.ok) redeployed++;
            else failures.push(`reload ${path}: ${answer.message}`);
          } else {
            // update=true on a deployed context: Tomcat undeploys it and deploys the uploaded WAR as a new context.
            const answer = await client.text('deploy', { path, update: 'true' }, warOf(service));
            if (!answer.ok) failures.push(`deploy ${path}: ${answer.message}`);
            else if (existing) redeployed++;
            else {
              deployed.add(service.contextName);
              uploaded++;
            }
          }
        } catch (error) {
          failures.push(`${path}: ${messageOf(error)}`);
        }
      }),
    );
    await Promise.all(tasks);
    const ms = Date.now() - started;
    if (failures.length > 0) {
      return { state: 'failed', ms, reason: `${failures.length} of ${services.size} contexts failed; first: ${failures[0] ?? ''}` };
    }
    const again = redeployMode === 'reload' ? `reloaded ${redeployed} contexts` : `redeployed ${redeployed} contexts in full`;
    return { state: 'deployed', ms, detail: `uploaded ${uploaded} WARs, ${again}` };
  }

  async function listing(): Promise<GatewayCounts> {
    const answer = await manager().text('list');
    if (!answer.ok) throw gatewayError(`Tomcat manager list failed: ${answer.message}`);
    const ours = new Set([...services.values()].map((s) => `/${s.contextName}`));
    const running = parseContextList(answer.lines).filter((c) => c.state === 'running' && ours.has(c.path)).length;
    // Filters are MBeans: counting ours confirms both policies through Tomcat's own API.
    const jmx = new JmxProxy({ managerUrl: managerUrl(), user: ctx.credentials.user, password: ctx.credentials.password, timeoutMs: ctx.callTimeoutMs });
    const [requestPolicies, responsePolicies] = await Promise.all([
      jmx.count(`Catalina:j2eeType=Filter,name=${REQUEST_POLICY_FILTER},*`),
      jmx.count(`Catalina:j2eeType=Filter,name=${RESPONSE_POLICY_FILTER},*`),
    ]);
    return { serviceGroups: null, services: running, operations: null, circuits: null, attachedPolicies: requestPolicies + responsePolicies };
  }

  async function liveMemory(): Promise<MemoryReading> {
    const child = server;
    if (child === null || !child.isRunning()) throw gatewayError('Tomcat is not running: no memory to read');
    const source = createJvmHeapSource({
      managerUrl: managerUrl(),
      user: ctx.credentials.user,
      password: ctx.credentials.password,
      timeoutMs: ctx.callTimeoutMs,
      settleSamples: 3,
      settleRequestUrl: `${dataUrl()}/`,
    });
    const reading = await source.read();
    const extra: Record<string, number> = { ...reading.extra };
    // Contexts stopped (reloaded, undeployed) whose classloader is still reachable: one line each
    // after "OK - Found potential memory leaks…", none after "OK - No memory leaks found".
    const leaks = await manager().text('findleaks', { statusLine: 'true' });
    if (leaks.ok) extra.leakedContexts = leaks.lines.length;
    // Each started context registers its webapp classloader as an MBean (ParallelWebappClassLoader by default).
    const jmx = new JmxProxy({ managerUrl: managerUrl(), user: ctx.credentials.user, password: ctx.credentials.password, timeoutMs: ctx.callTimeoutMs });
    extra.webappClassLoaders = await jmx.count(WEBAPP_CLASSLOADERS);
    try {
      extra.rssBytes = (await readProcessUsage(child.pid)).rssBytes;
    } catch {
      // the JVM exited between the reads; the heap reading stands
    }
    return { ...reading, extra };
  }

  /** JVM heap used as it stands (JMX proxy, no GC, no extras): sampled while a deploy runs. */
  function heapInUseSource(): MemorySource | null {
    if (server === null || !server.isRunning()) return null;
    return createJvmHeapSource({
      managerUrl: managerUrl(),
      user: ctx.credentials.user,
      password: ctx.credentials.password,
      timeoutMs: ctx.callTimeoutMs,
      forceGc: false,
      extras: false,
    });
  }

  function verifyOne(service: TomcatService, dispatcher: Agent): Promise<VerifyOutcome> {
    const url = `${dataUrl()}/${service.contextName}${service.probeSuffix}`;
    const options = { dispatcher, timeoutMs: ctx.callTimeoutMs, headers: { 'x-forwarded-for': VERIFY_FORWARDED_FOR } };
    return judgeProbe(service.spec.serviceName, url, service.probe, options, (answer) => {
      const problems: string[] = [];
      const clientAddress = answer.headers[CLIENT_ADDRESS_HEADER.toLowerCase()];
      if (clientAddress !== VERIFY_FORWARDED_FOR) {
        problems.push(`request policy (RemoteIpFilter) not applied: ${CLIENT_ADDRESS_HEADER} is '${clientAddress ?? ''}'`);
      }
      if (answer.headers['x-frame-options'] !== 'SAMEORIGIN' || answer.headers['x-content-type-options'] !== 'nosniff') {
        problems.push('response policy (HttpHeaderSecurityFilter) not applied: X-Frame-Options/X-Content-Type-Options missing');
      }
      if (answer.status === 200 && !answer.body.includes(`<r:operation>${service.probe.operation}</r:operation>`)) {
        problems.push(`answer does not name operation ${service.probe.operation}`);
      }
      return problems;
    });
  }

  return {
    target: 'tomcat',
    // A restart is stop + launch: deployOnStartup loads every WAR in webapps/, so the deployed configuration comes back.
    ...serverLifecycle(launch, stop, () => server),
    register,
    deploy,
    listing,
    liveMemory,
    heapInUseSource,
    verify: (specs) => verifyEach(specs, services, VERIFY_CONCURRENCY, verifyOne),
    requestUrl: (spec, address) => `${dataUrl()}/${contextNameFor(spec)}${suffixAfterService(address, spec.serviceName)}`,
  };
}
