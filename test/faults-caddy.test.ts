/**
 * Caddy's admin client over the shared retry mechanism, against a real Caddy (started by the
 * adapter on loopback) behind the fault-injecting proxy: `POST /load` is a deploy (a 503 is
 * retried, a reset or timeout is not), `GET /config/` is a read (retried), Caddy's own 400 is not.
 * Needs caddy installed (CI: `bash .ci/system-packages caddy`).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayAdapter } from '../src/gateways/adapter.js';
import { CaddyAdminClient } from '../src/gateways/caddy/admin-client.js';
import { createCaddyAdapter } from '../src/gateways/caddy/index.js';
import { caddyContext } from './helpers/caddy-context.js';
import { startFaultProxy, type FaultProxy } from './helpers/fault-proxy.js';

const CALL_TIMEOUT_MS = 1_500;
const LOAD = /^\/load$/;

describe("Caddy's admin API through a fault proxy", () => {
  let workDir: string;
  let adapter: GatewayAdapter;
  let proxy: FaultProxy;
  let client: CaddyAdminClient;
  /** The configuration Caddy runs, as it gave it: loading it again changes nothing. */
  let running: string;

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'gwscale-faults-caddy-'));
    adapter = createCaddyAdapter(caddyContext(workDir, { callTimeoutMs: CALL_TIMEOUT_MS }));
    proxy = await startFaultProxy();
    const info = await adapter.start();
    client = new CaddyAdminClient(await proxy.via(info.adminUrl), CALL_TIMEOUT_MS);
    running = JSON.stringify(await client.config(''));
  });

  afterAll(async () => {
    await client?.close();
    await adapter?.stop();
    await proxy?.close();
    await rm(workDir, { recursive: true, force: true });
  });

  it('retries a read that was reset', async () => {
    proxy.setFaults([{ method: 'GET', fault: { kind: 'reset-before' }, times: 2 }]);
    const before = proxy.count('GET', /^\/config\//);
    expect(JSON.stringify(await client.config(''))).toBe(running);
    expect(proxy.count('GET', /^\/config\//) - before).toBe(3);
  });

  it('retries a load Caddy answered 503', async () => {
    proxy.setFaults([{ method: 'POST', path: LOAD, fault: { kind: 'status', status: 503, retryAfterS: 0 }, times: 1 }]);
    const before = proxy.count('POST', LOAD);
    expect(await client.load(running)).toEqual({ ok: true });
    expect(proxy.count('POST', LOAD) - before).toBe(2);
  });

  it('does not retry a load that was reset or timed out, and says why', async () => {
    proxy.setFaults([{ method: 'POST', path: LOAD, fault: { kind: 'reset-before' }, times: 1 }]);
    let before = proxy.count('POST', LOAD);
    const reset = await client.load(running);
    expect(proxy.count('POST', LOAD) - before).toBe(1);
    expect(reset).toEqual({
      ok: false,
      status: null,
      reason: `Caddy's admin API: POST ${proxy.url}/load: connection reset (not retried: it may have taken effect)`,
    });

    proxy.setFaults([{ method: 'POST', path: LOAD, fault: { kind: 'hang' }, times: 1 }]);
    before = proxy.count('POST', LOAD);
    const hung = await client.load(running);
    expect(proxy.count('POST', LOAD) - before).toBe(1);
    expect(hung).toEqual({
      ok: false,
      status: null,
      reason: `Caddy's admin API: POST ${proxy.url}/load: timed out after ${CALL_TIMEOUT_MS} ms (not retried: it may have taken effect)`,
    });
  });

  it("does not retry Caddy's own 400, and gives its reason", async () => {
    proxy.setFaults([]);
    const before = proxy.count('POST', LOAD);
    const refused = await client.load('{"apps": not json');
    expect(proxy.count('POST', LOAD) - before).toBe(1);
    expect(refused).toMatchObject({ ok: false, status: 400, reason: expect.stringMatching(/^HTTP 400: .*invalid character/) as unknown });
    // The running configuration is untouched.
    expect(JSON.stringify(await client.config(''))).toBe(running);
  });
});
