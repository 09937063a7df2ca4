/**
 * The deployment API (JSON over HTTP, basic auth on every route): service groups, WSDL import,
 * the policy library, attaching policies to circuits, deploy, listing, memory and forced GC.
 * docs/reference-gateway.md lists every route.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { z } from 'zod';
import { ApiError } from './api-error.js';
import type { Deployer } from './deployer.js';
import { fetchWsdl } from './fetch-wsdl.js';
import { basicAuthChecker, parseJsonObject, readBody, sendJson } from './http-util.js';
import { canForceGc, readMemory, readMemoryAfterGc } from './memory.js';
import type { OperationPools } from './operation-pool.js';
import { policyRequestSchema } from './policies.js';
import type { EntityStore, StoredService } from './store.js';

export interface AdminApiOptions {
  readonly store: EntityStore;
  readonly deployer: Deployer;
  readonly credentials: { readonly user: string; readonly password: string };
  readonly info: () => Record<string, unknown>;
  /** Client for fetching WSDLs by URL (loopback only). */
  readonly fetcher: Dispatcher;
  readonly pools: OperationPools | null;
}

type Params = readonly string[];
type Handler = (req: IncomingMessage, params: Params) => Promise<readonly [number, unknown]>;

const importSchema = z.union([
  z.object({ wsdlUrl: z.string().min(1).max(2000) }).strict(),
  z.object({ wsdlText: z.string().min(1), source: z.string().max(2000).optional() }).strict(),
]);
const groupSchema = z.object({ name: z.string() }).strict();
const attachSchema = z.object({ circuit: z.string(), policy: z.string(), operation: z.string().optional() }).strict();

/** Reads a JSON body and checks it against a schema; the first problem is the 400's reason. */
async function bodyOf<T>(req: IncomingMessage, schema: z.ZodType<T>, what: string): Promise<T> {
  const parsed = schema.safeParse(parseJsonObject(await readBody(req)));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') ?? '';
    throw new ApiError(400, `${what}: ${field === '' ? '' : `field ${field}: `}${issue?.message ?? 'invalid body'}`);
  }
  return parsed.data;
}

const serviceSummary = (s: StoredService): Record<string, unknown> => ({
  name: s.name,
  group: s.group,
  path: s.path,
  version: s.version,
  source: s.source,
  endpoints: s.endpoints,
  operations: s.operations.map((op) => ({
    name: op.name,
    pattern: op.pattern,
    inputElement: op.inputElement,
    soapActions: op.soapActions,
    circuits: op.circuits.map((c) => ({ name: c.name, direction: c.direction, filters: c.filters.length, policies: c.policies })),
  })),
});

const importAnswer = (s: StoredService): Record<string, unknown> => ({
  name: s.name,
  path: s.path,
  version: s.version,
  operations: s.operations.map((op) => op.name),
  circuits: s.operations.length * 2,
});

/** Builds the admin request listener. */
export function createAdminApi(options: AdminApiOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { store, deployer } = options;
  const authorized = basicAuthChecker(options.credentials.user, options.credentials.password);

  const routes: { method: string; pattern: RegExp; handler: Handler }[] = [
    { method: 'GET', pattern: /^\/api\/info$/, handler: () => Promise.resolve([200, options.info()]) },
    {
      method: 'GET',
      pattern: /^\/api\/policies$/,
      handler: () => Promise.resolve([200, { policies: [...store.policies.values()] }]),
    },
    {
      method: 'POST',
      pattern: /^\/api\/policies$/,
      handler: async (req) => {
        const body = await bodyOf(req, policyRequestSchema, 'policy');
        const { created } = store.createPolicy(body);
        return [created ? 201 : 200, { created, name: body.name }];
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/groups$/,
      handler: () => Promise.resolve([200, { groups: [...store.groups.values()].map((g) => ({ name: g.name, services: g.services.size })) }]),
    },
    {
      method: 'POST',
      pattern: /^\/api\/groups$/,
      handler: async (req) => {
        const { name } = await bodyOf(req, groupSchema, 'service group');
        const { created } = store.createGroup(name);
        return [created ? 201 : 200, { created, name }];
      },
    },
    {
      method: 'DELETE',
      pattern: /^\/api\/groups\/([^/]+)$/,
      handler: (req, [group = '']) => {
        req.resume();
        const { deleted, services } = store.deleteGroup(group);
        return Promise.resolve([200, { deleted, name: group, services }]);
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/groups\/([^/]+)\/services$/,
      handler: (_req, [group = '']) => Promise.resolve([200, { services: [...store.group(group).services.values()].map(importAnswer) }]),
    },
    {
      method: 'POST',
      pattern: /^\/api\/groups\/([^/]+)\/services$/,
      handler: async (req, [group = '']) => {
        const body = await bodyOf(req, importSchema, 'WSDL import');
        store.group(group);
        const [wsdl, source] = 'wsdlUrl' in body ? [await fetchWsdl(body.wsdlUrl, options.fetcher), body.wsdlUrl] : [body.wsdlText, body.source ?? 'inline'];
        const { created, services } = store.importWsdl(group, wsdl, source);
        return [created ? 201 : 200, { created, services: services.map(importAnswer) }];
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/groups\/([^/]+)\/services\/([^/]+)$/,
      handler: (_req, [group = '', service = '']) => Promise.resolve([200, serviceSummary(store.service(group, service))]),
    },
    {
      method: 'POST',
      pattern: /^\/api\/groups\/([^/]+)\/services\/([^/]+)\/policies$/,
      handler: async (req, [group = '', service = '']) => {
        const body = await bodyOf(req, attachSchema, 'attach policy');
        const result = store.attachPolicy(group, service, body.circuit, body.policy, body.operation);
        return [200, { ...result, circuit: body.circuit, policy: body.policy }];
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/deploy$/,
      handler: async (req) => {
        req.resume();
        const result = await deployer.deploy();
        return [result.status === 'deployed' ? 200 : 500, result];
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/listing$/,
      handler: () => {
        const active = deployer.active;
        return Promise.resolve([
          200,
          {
            store: store.counts(),
            active: active?.counts ?? null,
            deployVersion: active?.meta.deployVersion ?? 0,
            deployedAt: active?.meta.deployedAt ?? null,
          },
        ]);
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/memory$/,
      handler: () => Promise.resolve([200, { ...readMemory(false), pooledClients: options.pools?.clients ?? null }]),
    },
    {
      method: 'POST',
      pattern: /^\/api\/gc$/,
      handler: async (req) => {
        req.resume();
        if (!canForceGc()) throw new ApiError(501, 'the gateway was started without --expose-gc, so it cannot force a GC');
        return [200, { ...(await readMemoryAfterGc()), pooledClients: options.pools?.clients ?? null }];
      },
    },
  ];

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!authorized(req)) {
      req.resume();
      res.setHeader('www-authenticate', 'Basic realm="gwscale-reference"');
      sendJson(res, 401, { error: 'authentication required: basic auth with the gateway admin user' });
      return;
    }
    const path = new URL(req.url ?? '/', 'http://admin').pathname;
    let pathMatched = false;
    for (const route of routes) {
      const m = route.pattern.exec(path);
      if (m === null) continue;
      pathMatched = true;
      if (route.method !== req.method) continue;
      let params: string[];
      try {
        params = m.slice(1).map((p) => decodeURIComponent(p));
      } catch {
        throw new ApiError(400, `path ${path} is not valid percent-encoding`);
      }
      const [status, body] = await route.handler(req, params);
      sendJson(res, status, body);
      return;
    }
    req.resume();
    throw new ApiError(pathMatched ? 405 : 404, pathMatched ? `${req.method ?? '?'} is not allowed on ${path}` : `no admin route ${path}`);
  };

  return (req, res) => {
    handle(req, res).catch((error: unknown) => {
      const status = error instanceof ApiError ? error.status : 500;
      const message = error instanceof Error ? error.message : String(error);
      if (!res.headersSent) sendJson(res, status, { error: message });
      else res.destroy();
    });
  };
}
