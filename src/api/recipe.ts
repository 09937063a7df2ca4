/**
 * `gwscale recipe check FILE`: a recipe read and checked, then tried once against its gateway —
 * register one service, deploy, list it, send one request through it, read memory, remove it. And
 * `gwscale cleanup RUN_DIR`: removes what an attached run registered and left behind.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnBackend } from '../backend/spawn.js';
import { startWsdlServer } from '../driver/wsdl-server.js';
import { cleanupRegistered, entitiesToRemove } from '../driver/entity-log.js';
import { readRunLog, RUN_LOG_FILE } from '../driver/run-log.js';
import { gatewayError, messageOf, usageError } from '../errors.js';
import type { AdapterContext, CleanupOutcome, GatewayAdapter } from '../gateways/adapter.js';
import { resolveCredentials } from '../gateways/credentials.js';
import { loadRecipe } from '../gateways/recipe/load.js';
import { createRecipeAdapter } from '../gateways/recipe/adapter.js';
import { resolveTarget } from '../gateways/target-spec.js';
import { createServiceGenerator } from '../wsdl/index.js';
import { formatBytes } from '../units.js';
import type { RunConfig } from '../driver/config.js';

export interface RecipeCheckOptions {
  /** A running gateway to try the recipe against (`--admin-url`); else the recipe's start command starts one. */
  readonly adminUrl?: string;
  readonly allowRemote?: boolean;
  readonly credentialsFile?: string | null;
  /** Reference-gateway profile a started gateway gets. */
  readonly profile?: string;
  readonly callTimeoutMs?: number;
  /** Each step as it is done, one line. */
  readonly onStep?: (line: string) => void;
}

export interface RecipeCheckResult {
  readonly file: string;
  readonly name: string;
  /** What each step did, one line each, in order. */
  readonly steps: readonly string[];
}

/** Backs `gwscale recipe check FILE`: throws a one-line error naming the step that failed. */
export async function checkRecipeFile(file: string, options: RecipeCheckOptions = {}): Promise<RecipeCheckResult> {
  const loaded = loadRecipe(file, { allowRemote: options.allowRemote ?? false });
  const steps: string[] = [];
  const step = (line: string): void => {
    steps.push(line);
    options.onStep?.(line);
  };
  step(`${file}: recipe ${loaded.recipe.name} is well formed`);
  const credentials = resolveCredentials(options.credentialsFile ?? null);
  const workDir = mkdtempSync(join(tmpdir(), 'gwscale-recipe-check-'));
  let spec: ReturnType<ReturnType<typeof createServiceGenerator>> | null = null;
  const wsdlServer = await startWsdlServer(
    (i) => (i === 0 && spec !== null ? spec : undefined),
    (name) => (spec !== null && name === spec.fileName ? 0 : undefined),
  );
  let adapter: GatewayAdapter | null = null;
  try {
    const backend = await spawnBackend({ latencyMs: 0, wsdlBaseUrl: wsdlServer.url });
    try {
      // A name of its own, so the dry run never meets a service of a real run.
      spec = createServiceGenerator({ version: '1.1', seed: Date.now() % 2 ** 31, endpointBase: backend.url })(0);
      const ctx: AdapterContext = Object.freeze({
        workDir,
        profile: options.profile ?? 'healthy',
        heapMb: null,
        wsdlBaseUrl: wsdlServer.url,
        backendUrl: backend.url,
        callTimeoutMs: options.callTimeoutMs ?? 30_000,
        credentials: Object.freeze({ user: credentials.user, password: credentials.password }),
        log: () => undefined,
        ...(options.adminUrl === undefined ? {} : { attach: Object.freeze({ adminUrl: options.adminUrl, allowRemote: options.allowRemote ?? false }) }),
      });
      adapter = createRecipeAdapter(loaded, ctx);
      const info = await adapter.start();
      step(`${options.adminUrl === undefined ? 'started' : 'reached'} the gateway: admin ${info.adminUrl}, data ${info.dataUrl}`);
      const before = await adapter.listing();
      const registered = await adapter.register(spec);
      step(`registered ${spec.serviceName} (${registered.operations} operations, ${registered.attachedPolicies} policies)`);
      const deployed = await adapter.deploy();
      if (deployed.state === 'failed') throw gatewayError(`${file}: $.deploy: ${deployed.reason}`);
      step(`deployed in ${deployed.ms} ms${deployed.detail ? ` (${deployed.detail})` : ''}`);
      const after = await adapter.listing();
      if (after.services !== before.services + 1)
        throw gatewayError(
          `${file}: $.list.services: the gateway lists ${after.services} services of the run after registering one (expected ${before.services + 1})`,
        );
      step('the listing counts it');
      const [verified] = await adapter.verify([spec]);
      if (verified?.ok !== true)
        throw gatewayError(`${file}: $.route: a request through ${adapter.requestUrl(spec, '')} failed: ${verified?.error ?? 'no answer'}`);
      step(`a SOAP request through ${adapter.requestUrl(spec, '')} was answered with its policies applied`);
      const memory = await adapter.liveMemory();
      step(`memory: ${formatBytes(memory.bytes)} (${memory.source}${memory.afterGc ? ', after GC' : ''})`);
      if (adapter.removeRegistered && loaded.recipe.remove !== undefined) {
        const removed = await adapter.removeRegistered();
        if (removed.failed > 0) throw gatewayError(`${file}: $.remove: ${removed.failures[0] ?? 'failed'}`);
        const end = await adapter.listing();
        if (end.services !== before.services)
          throw gatewayError(`${file}: $.remove: after removing it the gateway lists ${end.services} services of the run (expected ${before.services})`);
        step('removed it; the listing is as it was');
      } else {
        step(`no remove calls: ${spec.serviceName} stays registered`);
      }
      return { file, name: loaded.recipe.name, steps };
    } finally {
      await adapter?.stop().catch(() => undefined);
      await backend.stop();
    }
  } finally {
    await wsdlServer.close();
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** Backs `gwscale cleanup RUN_DIR`: removes what an attached run registered and no cleanup removed yet. */
export async function cleanupRun(runDir: string, options: { readonly credentialsFile?: string | null } = {}): Promise<CleanupOutcome> {
  const logPath = join(resolve(runDir), RUN_LOG_FILE);
  const records = readRunLog(logPath);
  const start = records[0];
  if (start?.type !== 'run-start') throw usageError(`${runDir}: the run log has no run-start record`);
  const settings = start.settings as Partial<RunConfig>;
  const adminUrl = settings.attach === true ? settings.adminUrl : undefined;
  if (adminUrl === undefined) throw usageError(`${runDir}: that run started its own gateway (no --attach), so there is nothing left to clean up`);
  const entities = entitiesToRemove(records);
  if (entities.length === 0) return { removed: 0, failed: 0, failures: [] };
  const allowRemote = settings.allowRemote === true;
  const target = await resolveTarget(start.target, { allowRemote });
  const credentials = resolveCredentials(options.credentialsFile ?? null);
  const adapter = target.factory(
    Object.freeze({
      workDir: join(resolve(runDir), 'gateway'),
      profile: start.profile,
      heapMb: null,
      wsdlBaseUrl: 'http://127.0.0.1:1',
      backendUrl: 'http://127.0.0.1:1',
      callTimeoutMs: settings.callTimeoutMs ?? 30_000,
      credentials: Object.freeze({ user: credentials.user, password: credentials.password }),
      log: () => undefined,
      attach: Object.freeze({ adminUrl, allowRemote }),
    }),
  );
  try {
    await adapter.start();
    return await cleanupRegistered(adapter, logPath, entities);
  } catch (error) {
    throw gatewayError(`gwscale cleanup ${runDir}: ${messageOf(error)}`);
  } finally {
    await adapter.stop().catch(() => undefined);
  }
}
