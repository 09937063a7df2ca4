/**
 * A target described by a recipe file: the deployment API as templated HTTP calls (register,
 * attach policies, deploy, list, remove), memory from the sources the recipe names, and either a
 * start command or a gateway that is already running (`--attach --admin-url`).
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent } from 'undici';
import { gatewayError, messageOf, usageError } from '../../errors.js';
import { assertLoopbackUrl } from '../../loopback.js';
import { distScript } from '../../process/dist-script.js';
import { freePort, spawnServer, waitForReady, type ServerProcess } from '../../process/server-process.js';
import type { MemoryReading, MemorySource } from '../../sampling/source.js';
import { parseWsdl } from '../../wsdl/index.js';
import type { ServiceSpec } from '../../wsdl/model.js';
import type { AdminClient } from '../admin-client.js';
import type {
  AdapterContext,
  CleanupOutcome,
  DeployOutcome,
  GatewayAdapter,
  GatewayCounts,
  GatewayExit,
  GatewayInfo,
  RegisteredEntity,
  RegisterOutcome,
  VerifyOutcome,
} from '../adapter.js';
import { countOperations, judgeProbe, soapProbeFor, type SoapProbe } from '../soap-probe.js';
import { verifyEach } from '../verify-each.js';
import { authHeaders, recipeClient, render, sendCall } from './calls.js';
import type { LoadedRecipe } from './load.js';
import { recipeMemorySources, recipePeakSource, sumReadings, type MemoryContext } from './memory.js';
import type { Recipe } from './schema.js';
import { selectAll, selectCount, SelectorError } from './selector.js';
import type { TemplateValue, TemplateValues } from './template.js';

interface RecipeService {
  readonly spec: ServiceSpec;
  readonly probe: SoapProbe;
  readonly operations: number;
  /** Template values of the service, captures included. */
  readonly values: Readonly<Record<string, TemplateValue>>;
}

const never = new Promise<GatewayExit>(() => undefined);
/** Probes in flight at once during `verify`. */
const VERIFY_CONCURRENCY = 8;

/** The template values of one service: its names, its WSDL and where its backend is. */
export function serviceValues(spec: ServiceSpec, wsdlBaseUrl: string): { values: Record<string, TemplateValue>; probe: SoapProbe; operations: number } {
  const document = parseWsdl(spec.wsdlText, spec.fileName);
  const probe = soapProbeFor(document, spec.serviceName);
  const address = new URL(probe.address);
  const port = address.port === '' ? (address.protocol === 'https:' ? '443' : '80') : address.port;
  const operations = countOperations(document, spec.serviceName);
  return {
    probe,
    operations,
    values: {
      'service.name': spec.serviceName,
      'service.group': spec.group,
      'service.index': spec.index,
      'service.namespace': document.targetNamespace,
      'service.fileName': spec.fileName,
      'service.operations': operations,
      'wsdl.url': `${wsdlBaseUrl.replace(/\/+$/, '')}/${encodeURIComponent(spec.fileName)}`,
      'wsdl.text': spec.wsdlText,
      'backend.address': probe.address,
      'backend.host': address.hostname,
      'backend.port': Number(port),
      'backend.dial': `${address.hostname}:${port}`,
      'backend.path': address.pathname,
    },
  };
}

/** The recipe's adapter; nothing is called until `start()`. */
export function createRecipeAdapter(loaded: LoadedRecipe, ctx: AdapterContext): GatewayAdapter {
  const { recipe, file } = loaded;
  const attach = ctx.attach ?? null;
  if (attach === null && recipe.start === undefined) {
    throw usageError(
      `${file}: recipe ${recipe.name} has no start command, so gwscale cannot start the gateway`,
      'attach to a running one with --attach --admin-url URL, or add start.command to the recipe',
    );
  }
  const services = new Map<string, RecipeService>();
  /** What this adapter created, in order, each with the values its removal needs (captures fill in as they come). */
  const entities: { readonly service: string; readonly values: Record<string, TemplateValue> }[] = [];
  const extraHeaders = authHeaders(recipe, ctx.credentials);
  let server: ServerProcess | null = null;
  let client: AdminClient | null = null;
  let adminUrl: string | null = attach?.adminUrl.replace(/\/+$/, '') ?? null;
  let dataUrl: string | null = null;
  let ports: { admin: number; data: number } | null = null;
  /** Services and policies the gateway listed before the run added any (a gateway gwscale attached to has its own). */
  let baseline: { services: number; policies: number | null } | null = null;
  let memory: readonly MemorySource[] = [];
  /** The same memory without GC, sampled while a deploy runs; null when a source cannot read it so. */
  let peakMemory: MemorySource | null = null;
  /** What the setup calls captured, as `setup.NAME`. */
  let setupValues: Record<string, TemplateValue> = {};

  const base = (): Record<string, TemplateValue> => ({
    ...setupValues,
    'admin.url': adminUrl ?? '',
    'data.url': dataUrl ?? '',
    'backend.url': ctx.backendUrl,
    'wsdl.base': ctx.wsdlBaseUrl,
  });
  const api = (): AdminClient => {
    if (adminUrl === null) throw gatewayError(`recipe ${recipe.name}: the gateway is not started`);
    return (client ??= recipeClient(recipe, adminUrl, ctx.credentials, ctx.callTimeoutMs, ctx.log));
  };
  const startValues = (): TemplateValues => ({
    'ports.admin': ports?.admin ?? 0,
    'ports.data': ports?.data ?? 0,
    workDir: ctx.workDir,
    heapMb: ctx.heapMb ?? 0,
    profile: ctx.profile,
    node: process.execPath,
    'gwscale.dist': distScript('.').replace(/\/\.?$/, ''),
    'backend.url': ctx.backendUrl,
  });

  /** Most pages of a listing followed, so a gateway whose `next` never ends cannot loop forever. */
  const MAX_PAGES = 10_000;

  async function counts(): Promise<{ services: number; policies: number | null }> {
    const read = (selectors: string | readonly string[], field: string, json: unknown): number => {
      try {
        return selectCount(typeof selectors === 'string' ? [selectors] : selectors, json);
      } catch (error) {
        if (error instanceof SelectorError)
          throw gatewayError(`${file}: $.list.${field}: ${error.message} of ${recipe.list.call.method} ${recipe.list.call.path}`);
        throw error;
      }
    };
    let call = recipe.list.call;
    let services = 0;
    let policies: number | null = recipe.list.policies === undefined ? null : 0;
    for (let page = 0; page < MAX_PAGES; page++) {
      const answer = await sendCall(api(), call, base(), extraHeaders, 'list.call');
      services += read(recipe.list.services, 'services', answer.json);
      if (recipe.list.policies !== undefined) policies = (policies ?? 0) + read(recipe.list.policies, 'policies', answer.json);
      const next = recipe.list.next === undefined ? [] : selectAll(recipe.list.next, answer.json);
      const link = next[0];
      if (typeof link !== 'string' || link === '') break;
      // A next link is a path or a URL on the admin API (Kong gives `/services?offset=…`).
      const url = new URL(link, adminUrl ?? undefined);
      const path = `${url.pathname}${url.search}`;
      // The path goes through the templating like any other; a link that looks like a template is not followed.
      if (path.includes('{{')) throw gatewayError(`${file}: $.list.next: the gateway's next-page link ${path.slice(0, 100)} holds "{{"`);
      call = { ...recipe.list.call, path };
    }
    return { services, policies };
  }

  async function launch(): Promise<void> {
    const start = recipe.start;
    if (start === undefined) return;
    ports ??= { admin: await freePort(), data: await freePort() };
    await mkdir(ctx.workDir, { recursive: true });
    for (const [name, text] of Object.entries(start.files ?? {})) await writeFile(join(ctx.workDir, name), render(text, startValues()));
    const [command = '', ...args] = start.command.map((arg) => render(arg, startValues()));
    // The credentials reach the gateway in its environment only (the names the reference gateway reads).
    const env: NodeJS.ProcessEnv = { ...process.env, GWSCALE_GATEWAY_USER: ctx.credentials.user, GWSCALE_GATEWAY_PASSWORD: ctx.credentials.password };
    const proc = await spawnServer({ name: recipe.name, command, args, cwd: ctx.workDir, env, logFile: join(ctx.workDir, `${recipe.name}.log`) });
    server = proc;
    adminUrl = render(recipe.adminUrl ?? 'http://127.0.0.1:{{ports.admin}}', startValues()).replace(/\/+$/, '');
    try {
      const ready = start.ready ?? recipe.list.call;
      await waitForReady(proc, () => sendCall(api(), ready, base(), extraHeaders, 'start.ready').then(() => true), {
        what: `${adminUrl}${ready.path}`,
        timeoutMs: start.timeoutMs,
      });
    } catch (error) {
      await proc.stop(5_000);
      throw error;
    }
  }

  async function startGateway(): Promise<GatewayInfo> {
    if (attach !== null) {
      assertLoopbackUrl(attach.adminUrl, attach.allowRemote, '--admin-url');
    } else {
      await launch();
    }
    setupValues = {};
    for (const [i, call] of recipe.setup.entries()) {
      const answer = await sendCall(api(), call, base(), extraHeaders, `setup[${i}]`);
      for (const [name, value] of Object.entries(answer.captured)) setupValues[`setup.${name.slice('capture.'.length)}`] = value;
    }
    dataUrl = render(recipe.dataUrl, { ...startValues(), ...setupValues, 'admin.url': adminUrl ?? '' }).replace(/\/+$/, '');
    if (attach !== null) assertLoopbackUrl(dataUrl, attach.allowRemote, `${file}: $.dataUrl`);
    if (baseline === null) {
      const now = await counts();
      // A resumed run's earlier services are its own, not the gateway's.
      baseline = { services: now.services - (attach?.registeredBefore ?? 0), policies: now.policies };
    }
    const memoryContext: MemoryContext = {
      file,
      values: base(),
      startedPid: () => (server?.isRunning() ? server.pid : null),
      workDir: ctx.workDir,
      call: (m, where) => sendCall(api(), m, base(), extraHeaders, where),
      timeoutMs: ctx.callTimeoutMs,
      headers: extraHeaders,
      allowRemote: attach?.allowRemote ?? false,
    };
    memory = recipeMemorySources(recipe, memoryContext);
    peakMemory = recipePeakSource(recipe, memoryContext);
    ctx.log(
      `recipe ${recipe.name}: ${attach === null ? `started pid ${server?.pid ?? '?'}` : 'attached'} at ${adminUrl ?? ''} (data ${dataUrl}); it lists ${baseline.services} services of its own`,
    );
    return { version: `recipe ${recipe.name}`, pid: server?.isRunning() ? server.pid : null, dataUrl, adminUrl: adminUrl ?? '' };
  }

  async function stop(): Promise<void> {
    if (server !== null) await server.stop(10_000);
    await client?.close();
    client = null;
  }

  async function restart(): Promise<GatewayInfo> {
    if (attach === null) {
      await stop();
      return startGateway();
    }
    if (recipe.restart === undefined)
      throw usageError(
        `${file}: recipe ${recipe.name} has no restart command, so gwscale cannot restart a gateway it did not start`,
        'add restart.command to the recipe, or leave out --restart-at',
      );
    const [command = '', ...args] = recipe.restart.command.map((arg) => render(arg, base()));
    try {
      await promisify(execFile)(command, args, { timeout: 600_000 });
    } catch (error) {
      throw gatewayError(`${file}: $.restart.command: ${command} failed: ${messageOf(error)}`);
    }
    await client?.close();
    client = null;
    return startGateway();
  }

  /** Registrations still running (an interrupted run leaves some): a cleanup waits for them first. */
  const inFlight = new Set<Promise<unknown>>();

  async function registerNow(spec: ServiceSpec): Promise<RegisterOutcome> {
    const policies = recipe.policiesPerService ?? recipe.attach.length;
    const existing = services.get(spec.serviceName);
    if (existing !== undefined) return { attachedPolicies: policies, operations: existing.operations, created: false };
    const { values: own, probe, operations } = serviceValues(spec, ctx.wsdlBaseUrl);
    // Kept before the first call: a registration cut short still leaves something to remove.
    const { 'wsdl.text': _text, ...kept } = own;
    const pending = { service: spec.serviceName, values: { ...kept } as Record<string, TemplateValue> };
    entities.push(pending);
    let values: Record<string, TemplateValue> = { ...base(), ...own };
    const calls = [...recipe.register.map((c, i) => ({ c, where: `register[${i}]` })), ...recipe.attach.map((c, i) => ({ c, where: `attach[${i}]` }))];
    for (const { c, where } of calls) {
      const answer = await sendCall(api(), c, values, extraHeaders, `${spec.serviceName}: ${where}`);
      values = { ...values, ...answer.captured };
      Object.assign(pending.values, answer.captured);
    }
    services.set(spec.serviceName, { spec, probe, operations, values });
    return { attachedPolicies: policies, operations, created: true, entity: { service: pending.service, values: { ...pending.values } } };
  }

  function register(spec: ServiceSpec): Promise<RegisterOutcome> {
    const running = registerNow(spec);
    inFlight.add(running);
    const settle = (): void => void inFlight.delete(running);
    running.then(settle, settle);
    return running;
  }

  async function deploy(): Promise<DeployOutcome> {
    const t0 = Date.now();
    if (recipe.deploy === 'none') {
      if (recipe.settleMs > 0) await sleep(recipe.settleMs);
      return { state: 'deployed', ms: Date.now() - t0, detail: 'every write is live (deploy: none)' };
    }
    try {
      const answer = await sendCall(api(), recipe.deploy, base(), extraHeaders, 'deploy');
      if (recipe.settleMs > 0) await sleep(recipe.settleMs);
      return { state: 'deployed', ms: Date.now() - t0, detail: `HTTP ${answer.status}` };
    } catch (error) {
      return { state: 'failed', ms: Date.now() - t0, reason: messageOf(error) };
    }
  }

  async function listing(): Promise<GatewayCounts> {
    const now = await counts();
    const before = baseline ?? { services: 0, policies: 0 };
    return {
      serviceGroups: null,
      services: now.services - before.services,
      operations: null,
      circuits: null,
      attachedPolicies: now.policies === null ? null : now.policies - (before.policies ?? 0),
    };
  }

  async function liveMemory(): Promise<MemoryReading> {
    if (memory.length === 0) throw gatewayError(`recipe ${recipe.name}: the gateway is not started`);
    return sumReadings(await Promise.all(memory.map((m) => m.read())));
  }

  function verifyOne(service: RecipeService, dispatcher: Agent): Promise<VerifyOutcome> {
    const url = `${dataUrl ?? ''}${render(recipe.route, service.values)}`;
    const check = recipe.verify;
    return judgeProbe(service.spec.serviceName, url, service.probe, { dispatcher, timeoutMs: ctx.callTimeoutMs }, (answer) => {
      if (check === undefined) return [];
      const header = render(check.header, service.values).toLowerCase();
      const expected = render(check.contains, service.values);
      const seen = answer.headers[header];
      return seen !== undefined && seen.includes(expected)
        ? []
        : [`policies not applied: ${header} is ${seen === undefined ? 'missing' : `'${seen}'`}, expected it to contain '${expected}'`];
    });
  }

  async function removeRegistered(given?: readonly RegisteredEntity[]): Promise<CleanupOutcome> {
    const remove = recipe.remove;
    await Promise.allSettled([...inFlight]);
    const list = given ?? entities;
    if (remove === undefined)
      return { removed: 0, failed: list.length, failures: list.length === 0 ? [] : [`${file}: recipe ${recipe.name} has no remove calls`] };
    let removed = 0;
    const failures: string[] = [];
    // Newest first: what was registered last may depend on what came before it.
    for (const entity of [...list].reverse()) {
      try {
        for (const [i, call] of remove.entries()) await sendCall(api(), call, { ...base(), ...entity.values }, extraHeaders, `${entity.service}: remove[${i}]`);
        removed++;
        services.delete(entity.service);
      } catch (error) {
        failures.push(messageOf(error));
      }
    }
    if (given === undefined) entities.length = 0;
    // A gateway that serves only what was deployed stops serving the removed services at the next deploy.
    if (removed > 0 && recipe.deploy !== 'none') {
      const outcome = await deploy();
      if (outcome.state === 'failed') failures.push(`deploy after removal: ${outcome.reason}`);
    }
    return { removed, failed: failures.length, failures: failures.slice(0, 10) };
  }

  return {
    target: `recipe:${recipe.name}`,
    start: startGateway,
    stop,
    restart,
    register,
    deploy,
    listing,
    liveMemory,
    // A recipe without a deploy step has no deploy to sample: its rows keep the started process's RSS
    // around the no-op, as before; a heap peak there would only count the garbage of the live writes.
    heapInUseSource: () => (recipe.deploy === 'none' || (server !== null && !server.isRunning()) ? null : peakMemory),
    verify: (specs) => verifyEach(specs, services, VERIFY_CONCURRENCY, verifyOne),
    requestUrl: (spec) => {
      const known = services.get(spec.serviceName);
      const values: TemplateValues = known?.values ?? { ...base(), ...serviceValues(spec, ctx.wsdlBaseUrl).values };
      return `${dataUrl ?? ''}${render(recipe.route, values)}`;
    },
    pid: () => (server?.isRunning() ? server.pid : null),
    exited: () => server?.exited ?? never,
    removeRegistered,
  };
}

export type { Recipe };
