/**
 * The Kong and APISIX recipes, which cannot run here (neither gateway is in Debian or on npm),
 * checked against the answers their Admin API documentation shows: a loopback server replays the
 * documented shapes (Kong 3.x Admin API: services, routes, plugins, `data`/`next` paging, 204 on
 * delete, a service with routes cannot be deleted; APISIX Admin API v3: `X-API-KEY`, `{key, value}`,
 * `{total, list}`, PATCH merging objects) and refuses what the documentation says is refused. This
 * proves the recipes' calls, captures, selectors and order, not how either gateway behaves.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import type { AdapterContext, GatewayAdapter } from '../src/gateways/adapter.js';
import { loadRecipe } from '../src/gateways/recipe/load.js';
import { createRecipeAdapter } from '../src/gateways/recipe/adapter.js';
import { createServiceGenerator } from '../src/wsdl/index.js';
import type { ServiceSpec } from '../src/wsdl/model.js';
import { tempDir } from './helpers/temp-dir.js';

const dir = tempDir('gwscale-recipe-doc-');
const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

type Json = Record<string, unknown>;
type Handler = (method: string, path: string, query: URLSearchParams, body: Json | null, req: IncomingMessage) => readonly [number, unknown];

async function fakeAdminApi(handle: Handler): Promise<{ url: string; calls: string[] }> {
  const calls: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      calls.push(`${req.method ?? '?'} ${url.pathname}`);
      let body: Json | null;
      try {
        body = text === '' ? null : (JSON.parse(text) as Json);
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Cannot parse JSON body' }));
        return;
      }
      const [status, answer] = handle(req.method ?? 'GET', decodeURIComponent(url.pathname), url.searchParams, body, req);
      if (status === 204) res.writeHead(204).end();
      else res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls };
}

const specs: ServiceSpec[] = (() => {
  const generate = createServiceGenerator({ version: '1.1', seed: 3, endpointBase: 'http://127.0.0.1:9999' });
  return [0, 1, 2].map((i) => generate(i));
})();

function attachedAdapter(recipeFile: string, adminUrl: string): GatewayAdapter {
  const ctx: AdapterContext = Object.freeze({
    workDir: dir,
    profile: 'healthy',
    heapMb: null,
    wsdlBaseUrl: 'http://127.0.0.1:9998',
    backendUrl: 'http://127.0.0.1:9999',
    callTimeoutMs: 5_000,
    credentials: Object.freeze({ user: 'admin', password: 'edd1c9f0-test-key' }),
    log: () => undefined,
    attach: Object.freeze({ adminUrl, allowRemote: false }),
  });
  const adapter = createRecipeAdapter(loadRecipe(recipeFile), ctx);
  return adapter;
}

describe('recipes/kong.yaml against the answers of Kong’s Admin API documentation', () => {
  it('registers a service, a route and two plugins per service, counts them over pages, and removes them in an order Kong accepts', async () => {
    const services = new Map<string, Json>();
    const routes = new Map<string, Json>();
    const plugins: Json[] = [];
    const byIdOrName = <T extends Json>(map: Map<string, T>, key: string): T | undefined => map.get(key) ?? [...map.values()].find((v) => v['id'] === key);
    const PAGE = 2;
    const { url, calls } = await fakeAdminApi((method, path, query, body) => {
      let m: RegExpExecArray | null;
      if (method === 'GET' && path === '/services') {
        const all = [...services.values()].filter((s) => (query.get('tags') === null ? true : (s['tags'] as string[]).includes(query.get('tags') ?? '')));
        const from = Number(query.get('offset') ?? '0');
        const size = Math.min(Number(query.get('size') ?? '100'), PAGE);
        const next = from + size < all.length ? `http://localhost:8001/services?offset=${from + size}` : null;
        return [200, { data: all.slice(from, from + size), next }];
      }
      if (method === 'PUT' && (m = /^\/services\/([^/]+)$/.exec(path))) {
        const target = new URL(String(body?.['url']));
        const service = {
          id: services.get(m[1] ?? '')?.['id'] ?? randomUUID(),
          created_at: 1422386534,
          updated_at: 1422386534,
          name: m[1],
          retries: 5,
          protocol: target.protocol.slice(0, -1),
          host: target.hostname,
          port: Number(target.port),
          path: target.pathname,
          connect_timeout: 60000,
          write_timeout: 60000,
          read_timeout: 60000,
          tags: body?.['tags'] ?? null,
          enabled: true,
        };
        services.set(m[1] ?? '', service);
        return [200, service];
      }
      if (method === 'PUT' && (m = /^\/routes\/([^/]+)$/.exec(path))) {
        const serviceId = (body?.['service'] as Json | undefined)?.['id'];
        if (![...services.values()].some((s) => s['id'] === serviceId))
          return [400, { message: 'schema violation (service.id: does not exist)', name: 'schema violation' }];
        const route = {
          id: routes.get(m[1] ?? '')?.['id'] ?? randomUUID(),
          name: m[1],
          protocols: ['http', 'https'],
          paths: body?.['paths'],
          strip_path: body?.['strip_path'] ?? true,
          path_handling: 'v0',
          preserve_host: false,
          tags: body?.['tags'] ?? null,
          service: { id: serviceId },
        };
        routes.set(m[1] ?? '', route);
        return [200, route];
      }
      if (method === 'POST' && (m = /^\/routes\/([^/]+)\/plugins$/.exec(path))) {
        const route = byIdOrName(routes, m[1] ?? '');
        if (route === undefined) return [404, { message: 'Not found' }];
        const headers = ((body?.['config'] as Json | undefined)?.['add'] as Json | undefined)?.['headers'];
        if (!Array.isArray(headers) || !headers.every((h) => typeof h === 'string' && /^[\w-]+:.+/.test(h)))
          return [400, { message: 'schema violation (config.add.headers: invalid value)' }];
        const plugin = {
          id: randomUUID(),
          name: body?.['name'],
          route: { id: route['id'] },
          service: null,
          consumer: null,
          config: body?.['config'],
          protocols: ['grpc', 'grpcs', 'http', 'https'],
          enabled: true,
          tags: body?.['tags'] ?? null,
        };
        plugins.push(plugin);
        return [201, plugin];
      }
      if (method === 'DELETE' && (m = /^\/routes\/([^/]+)$/.exec(path))) {
        const route = byIdOrName(routes, m[1] ?? '');
        if (route !== undefined) {
          routes.delete(String(route['name']));
          // Plugins scoped to a route are deleted with it.
          for (let i = plugins.length - 1; i >= 0; i--) if ((plugins[i]?.['route'] as Json | undefined)?.['id'] === route['id']) plugins.splice(i, 1);
        }
        return [204, null];
      }
      if (method === 'DELETE' && (m = /^\/services\/([^/]+)$/.exec(path))) {
        const service = byIdOrName(services, m[1] ?? '');
        if (service !== undefined && [...routes.values()].some((r) => (r['service'] as Json)['id'] === service['id']))
          return [400, { message: "an existing 'routes' entity references this 'services' entity", name: 'foreign key violation' }];
        if (service !== undefined) services.delete(String(service['name']));
        return [204, null];
      }
      return [404, { message: 'Not found' }];
    });
    const adapter = attachedAdapter('recipes/kong.yaml', url);
    await adapter.start();
    for (const spec of specs) {
      const outcome = await adapter.register(spec);
      expect(outcome.created).toBe(true);
      expect(outcome.entity?.values['capture.serviceId']).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(plugins.map((p) => p['name'])).toEqual(specs.flatMap(() => ['request-transformer', 'response-transformer']));
    const first = routes.get(`gwscale-${specs[0]?.serviceName ?? ''}`);
    expect(first?.['paths']).toEqual([`/${specs[0]?.serviceName ?? ''}`]);
    expect(services.get(`gwscale-${specs[0]?.serviceName ?? ''}`)?.['host']).toBe('127.0.0.1');
    // Three services on pages of two: the listing followed `next`.
    expect((await adapter.listing()).services).toBe(3);
    expect(calls.filter((c) => c === 'GET /services').length).toBeGreaterThanOrEqual(3);
    const removed = await adapter.removeRegistered?.();
    expect(removed).toEqual({ removed: 3, failed: 0, failures: [] });
    expect([services.size, routes.size, plugins.length]).toEqual([0, 0, 0]);
    expect((await adapter.listing()).services).toBe(0);
    await adapter.stop();
  }, 60_000);
});

/** APISIX's PATCH: objects are merged key by key, anything else replaces. */
function merge(into: unknown, patch: unknown): unknown {
  if (typeof into !== 'object' || into === null || Array.isArray(into) || typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out: Json = { ...(into as Json) };
  for (const [k, v] of Object.entries(patch as Json)) out[k] = merge(out[k], v);
  return out;
}

describe('recipes/apisix.yaml against the answers of APISIX’s Admin API v3 documentation', () => {
  it('creates a route per service with both policies, counts by label, and deletes them; the admin key travels in X-API-KEY', async () => {
    const routes = new Map<string, { value: Json; createdIndex: number; modifiedIndex: number }>();
    let index = 100;
    const { url } = await fakeAdminApi((method, path, query, body, req) => {
      if (req.headers['x-api-key'] !== 'edd1c9f0-test-key') return [401, { error_msg: 'failed to check token' }];
      let m: RegExpExecArray | null;
      if (method === 'GET' && path === '/apisix/admin/routes') {
        const [labelKey, labelValue] = (query.get('label') ?? '').split(':');
        const list = [...routes.entries()]
          .filter(([, r]) => labelKey === '' || (r.value['labels'] as Json | undefined)?.[labelKey ?? ''] === labelValue)
          .map(([id, r]) => ({ key: `/apisix/routes/${id}`, value: r.value, createdIndex: r.createdIndex, modifiedIndex: r.modifiedIndex }));
        return [200, { total: list.length, list }];
      }
      if ((m = /^\/apisix\/admin\/routes\/([^/]+)$/.exec(path))) {
        const id = m[1] ?? '';
        if (!/^[a-zA-Z0-9-_.]{1,64}$/.test(id)) return [400, { error_msg: 'invalid configuration: property "id" validation failed' }];
        const existing = routes.get(id);
        if (method === 'PUT') {
          if (typeof body?.['uri'] !== 'string' || typeof (body['upstream'] as Json | undefined)?.['nodes'] !== 'object')
            return [400, { error_msg: 'invalid configuration: value should match only one schema, but matches none' }];
          const value = { ...body, id, create_time: 1602883670, update_time: 1602883670 };
          routes.set(id, { value, createdIndex: existing?.createdIndex ?? ++index, modifiedIndex: ++index });
          return [existing === undefined ? 201 : 200, { key: `/apisix/routes/${id}`, value }];
        }
        if (method === 'PATCH') {
          if (existing === undefined) return [404, { message: 'Key not found' }];
          existing.value = merge(existing.value, body) as Json;
          existing.modifiedIndex = ++index;
          return [200, { key: `/apisix/routes/${id}`, value: existing.value }];
        }
        if (method === 'DELETE') {
          if (existing === undefined) return [404, { message: 'Key not found' }];
          routes.delete(id);
          return [200, { deleted: '1', key: `/apisix/routes/${id}` }];
        }
      }
      return [404, { error_msg: '404 Route Not Found' }];
    });
    const adapter = attachedAdapter('recipes/apisix.yaml', url);
    await adapter.start();
    for (const spec of specs) await adapter.register(spec);
    const spec = specs[0] as ServiceSpec;
    const route = routes.get(`gwscale-${spec.serviceName}`)?.value as Json;
    const plugins = route['plugins'] as Json;
    expect(route['uri']).toBe(`/${spec.serviceName}`);
    expect(route['upstream']).toEqual({ type: 'roundrobin', nodes: { '127.0.0.1:9999': 1 } });
    expect(plugins['proxy-rewrite']).toEqual({ uri: `/${spec.serviceName}`, headers: { set: { 'X-Gw-Request-Policy': spec.serviceName } } });
    expect(plugins['response-rewrite']).toEqual({ headers: { set: { 'X-Gw-Response-Policy': spec.serviceName } } });
    expect((await adapter.listing()).services).toBe(3);
    expect(await adapter.removeRegistered?.()).toEqual({ removed: 3, failed: 0, failures: [] });
    expect(routes.size).toBe(0);
    await adapter.stop();
  }, 60_000);
});
