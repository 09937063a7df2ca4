/**
 * What the reference-gateway tests share: a loopback WSDL server, an in-process SOAP backend,
 * generated services pointing at it, and a reference adapter (a real spawned gateway process).
 * `close()` stops everything by PID / handle; call it in afterAll or finally.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { Agent, request } from 'undici';
import { startBackend, type Backend } from '../src/backend/index.js';
import type { AdapterContext, GatewayAdapter } from '../src/gateways/adapter.js';
import { createReferenceAdapter, type ReferenceAdapterOptions } from '../src/gateways/reference/index.js';
import { createServiceGenerator, type GenerateVersion } from '../src/wsdl/index.js';
import type { ServiceSpec } from '../src/wsdl/model.js';

export interface Harness {
  readonly adapter: GatewayAdapter;
  readonly backend: Backend;
  readonly ctx: AdapterContext;
  /** Service with this index (generated once, kept). */
  spec(index: number): ServiceSpec;
  /** Registers services [from, to) with a few calls in parallel. */
  registerRange(from: number, to: number): Promise<void>;
  /** Heap after forced GC, in bytes. */
  heapAfterGc(): Promise<number>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  readonly profile: string;
  readonly heapMb?: number | null;
  readonly latencyMs?: number;
  readonly version?: GenerateVersion;
  readonly adapterOptions?: ReferenceAdapterOptions;
  /** Timeout of one deployment-API call (default 60 s). */
  readonly callTimeoutMs?: number;
  /** The adapter's diagnostic lines (default: dropped). */
  readonly log?: (line: string) => void;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export async function startHarness(options: HarnessOptions): Promise<Harness> {
  const workDir = await mkdtemp(join(tmpdir(), `gwscale-ref-${options.profile}-`));
  const specs = new Map<number, ServiceSpec>();
  let generate: ((i: number) => ServiceSpec) | null = null;
  const specAt = (i: number): ServiceSpec => {
    if (generate === null) throw new Error('generator not ready');
    let s = specs.get(i);
    if (s === undefined) {
      s = generate(i);
      specs.set(i, s);
    }
    return s;
  };
  const wsdlServer = createServer((req, res) => {
    const m = /^\/svc-(\d+)\.wsdl$/.exec(req.url ?? '');
    if (m === null || generate === null) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8' }).end(specAt(Number(m[1])).wsdlText);
  });
  const wsdlBaseUrl = await listen(wsdlServer);
  const backend = await startBackend({ latencyMs: options.latencyMs ?? 0, wsdlBaseUrl });
  generate = createServiceGenerator({ version: options.version ?? 'mixed', seed: 7, endpointBase: backend.url });
  const ctx: AdapterContext = Object.freeze({
    workDir,
    profile: options.profile,
    heapMb: options.heapMb === undefined ? 256 : options.heapMb,
    wsdlBaseUrl,
    backendUrl: backend.url,
    callTimeoutMs: options.callTimeoutMs ?? 60_000,
    credentials: Object.freeze({ user: 'gwscale', password: `pw-${Math.random().toString(36).slice(2)}` }),
    log: options.log ?? (() => undefined),
  });
  const adapter = createReferenceAdapter(ctx, options.adapterOptions);
  return {
    adapter,
    backend,
    ctx,
    spec: specAt,
    registerRange: async (from, to) => {
      const limit = pLimit(4);
      const jobs: Promise<unknown>[] = [];
      for (let i = from; i < to; i++) jobs.push(limit(() => adapter.register(specAt(i))));
      await Promise.all(jobs);
    },
    heapAfterGc: async () => (await adapter.liveMemory()).bytes,
    close: async () => {
      await adapter.stop();
      await backend.close();
      await new Promise<void>((resolve) => {
        wsdlServer.closeAllConnections();
        wsdlServer.close(() => resolve());
      });
      await rm(workDir, { recursive: true, force: true });
    },
  };
}

/** Sends a raw POST and returns status, headers and body text. */
export async function post(
  url: string,
  body: string,
  headers: Record<string, string>,
  dispatcher?: Agent,
): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const answer = await request(url, { method: 'POST', body, headers, headersTimeout: 30_000, bodyTimeout: 30_000, ...(dispatcher ? { dispatcher } : {}) });
  const text = await answer.body.text();
  const flat: Record<string, string> = {};
  for (const [k, v] of Object.entries(answer.headers)) if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(', ') : v;
  return { status: answer.statusCode, headers: flat, body: text };
}

/** A SOAP envelope for an element `{ns}local`, in SOAP 1.1 or 1.2. */
export function envelope(version: '1.1' | '1.2', ns: string, local: string, content = '<t:symbol>ACME</t:symbol>'): string {
  const env = version === '1.1' ? 'http://schemas.xmlsoap.org/soap/envelope/' : 'http://www.w3.org/2003/05/soap-envelope';
  return `<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="${env}"><s:Body><t:${local} xmlns:t="${ns}">${content}</t:${local}></s:Body></s:Envelope>`;
}

/** Headers of a SOAP request in the given version with the given action. */
export function soapHeaders(version: '1.1' | '1.2', action: string): Record<string, string> {
  return version === '1.1'
    ? { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${action}"` }
    : { 'content-type': `application/soap+xml; charset=utf-8; action="${action}"` };
}
