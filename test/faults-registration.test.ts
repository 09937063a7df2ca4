/**
 * A failing deployment API during registration: a real reference gateway process behind the
 * fault-injecting proxy. Resets and 503s are retried and never register a service twice (the
 * gateway's own listing says so); 4xx answers are not retried (the proxy counts the calls); delays
 * below the timeout just work; a killed gateway gives one line naming its URL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GwscaleError } from '../src/errors.js';
import { ReferenceAdminClient } from '../src/gateways/reference/admin-client.js';
import { startHarness, type Harness } from './reference-harness.js';
import { startFaultProxy, type FaultProxy } from './helpers/fault-proxy.js';
import { isAlive } from './helpers/process.js';

/** Every registration call: the group, the WSDL import, the two policy attachments. */
const REGISTRATION = /^\/api\/groups/;
const CALLS_PER_SERVICE = 4;

describe('registration through a failing deployment API (reference gateway behind a fault proxy)', () => {
  let proxy: FaultProxy;
  let h: Harness;
  const logs: string[] = [];
  /** Policies the gateway attached for every service registered so far. */
  let attachedPolicies = 0;

  beforeAll(async () => {
    proxy = await startFaultProxy();
    h = await startHarness({ profile: 'healthy', version: '1.1', callTimeoutMs: 3_000, adapterOptions: { adminUrlVia: proxy.via }, log: (l) => logs.push(l) });
    const info = await h.adapter.start();
    expect(info.adminUrl).toBe(proxy.url);
  });

  afterAll(async () => {
    await h?.close();
    await proxy?.close();
  });

  const register = async (from: number, to: number): Promise<void> => {
    for (let i = from; i < to; i++) {
      const outcome = await h.adapter.register(h.spec(i));
      attachedPolicies += outcome.attachedPolicies;
    }
  };

  it('retries every call reset before it reached the gateway, and registers each service once', async () => {
    proxy.setFaults([{ method: 'POST', path: REGISTRATION, fault: { kind: 'reset-before' }, firstSightOnly: true }]);
    const before = proxy.calls().length;
    await register(0, 10);
    const calls = proxy.calls().slice(before);
    expect(calls.filter((c) => c.fault === 'reset-before')).toHaveLength(10 * CALLS_PER_SERVICE);
    expect(calls.filter((c) => c.fault === null)).toHaveLength(10 * CALLS_PER_SERVICE);
    proxy.setFaults([]);
    expect(await h.adapter.deploy()).toMatchObject({ state: 'deployed' });
    expect(await h.adapter.listing()).toMatchObject({ serviceGroups: 10, services: 10, attachedPolicies });
  });

  it('retries calls whose answer was lost after the gateway took them, without registering twice', async () => {
    proxy.setFaults([{ method: 'POST', path: REGISTRATION, fault: { kind: 'reset-after' }, firstSightOnly: true }]);
    const outcomes = [];
    for (let i = 10; i < 16; i++) outcomes.push(await h.adapter.register(h.spec(i)));
    proxy.setFaults([]);
    // The import's retry found the service already there: nothing was added the second time.
    expect(outcomes.map((o) => o.created)).toEqual([false, false, false, false, false, false]);
    for (const o of outcomes) expect(o.attachedPolicies).toBe(2 * o.operations);
    attachedPolicies += outcomes.reduce((sum, o) => sum + o.attachedPolicies, 0);
    expect(await h.adapter.deploy()).toMatchObject({ state: 'deployed' });
    expect(await h.adapter.listing()).toMatchObject({ serviceGroups: 16, services: 16, attachedPolicies });
  });

  it('retries 503 answers with backoff, concurrent registrations included', async () => {
    proxy.setFaults([{ method: 'POST', path: REGISTRATION, fault: { kind: 'status', status: 503 }, firstSightOnly: true }]);
    const before = proxy.count('POST', REGISTRATION);
    await Promise.all([register(16, 22), register(22, 28)]);
    // Each call: one 503, then the retry that got through.
    expect(proxy.count('POST', REGISTRATION) - before).toBe(12 * CALLS_PER_SERVICE * 2);
    proxy.setFaults([]);
    expect(await h.adapter.deploy()).toMatchObject({ state: 'deployed' });
    // A burst of three on the listing: the fourth attempt gets through.
    proxy.setFaults([{ method: 'GET', path: /^\/api\/listing$/, fault: { kind: 'status', status: 503, retryAfterS: 0 }, times: 3 }]);
    const listingsBefore = proxy.count('GET', /^\/api\/listing$/);
    const listing = await h.adapter.listing();
    expect(proxy.count('GET', /^\/api\/listing$/) - listingsBefore).toBe(4);
    expect(listing).toMatchObject({ serviceGroups: 28, services: 28, attachedPolicies });
    proxy.setFaults([]);
  });

  it('does not retry a 4xx answer: the proxy sees one call', async () => {
    proxy.setFaults([{ method: 'POST', path: /^\/api\/groups$/, fault: { kind: 'status', status: 400 }, times: 1 }]);
    const before = proxy.count('POST', /^\/api\/groups$/);
    await expect(h.adapter.register(h.spec(40))).rejects.toThrow(/POST http:\/\/127\.0\.0\.1:\d+\/api\/groups failed with HTTP 400/);
    expect(proxy.count('POST', /^\/api\/groups$/) - before).toBe(1);
    proxy.setFaults([]);
  });

  it("does not retry the gateway's own 4xx (a WSDL it cannot fetch, a wrong password)", async () => {
    // In an existing group, so the failed import leaves no empty group behind.
    const missing = { ...h.spec(41), group: h.spec(0).group, fileName: 'no-such-file.wsdl' };
    const imports = /^\/api\/groups\/[^/]+\/services$/;
    const before = proxy.count('POST', imports);
    await expect(h.adapter.register(missing)).rejects.toThrow(/failed with HTTP 400: .*no-such-file\.wsdl answered HTTP 404/);
    expect(proxy.count('POST', imports) - before).toBe(1);

    const password = `wrong-${Math.random().toString(36).slice(2)}`;
    const intruder = new ReferenceAdminClient(proxy.url, { user: 'gwscale', password }, 3_000);
    try {
      const infoBefore = proxy.count('GET', /^\/api\/info$/);
      const error = await intruder.ok('GET', '/api/info').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GwscaleError);
      expect((error as GwscaleError).message).toMatch(/HTTP 401/);
      expect((error as GwscaleError).message).not.toContain(password);
      expect(proxy.count('GET', /^\/api\/info$/) - infoBefore).toBe(1);
    } finally {
      await intruder.close();
    }
  });

  it('works through delays below the timeout, without a retry', async () => {
    proxy.setFaults([{ fault: { kind: 'delay', ms: 400 } }]);
    const before = proxy.count('POST', REGISTRATION);
    await register(28, 31);
    expect(proxy.count('POST', REGISTRATION) - before).toBe(3 * CALLS_PER_SERVICE);
    expect(
      proxy
        .calls()
        .slice(-3 * CALLS_PER_SERVICE)
        .every((c) => c.fault === 'delay'),
    ).toBe(true);
    expect(await h.adapter.deploy()).toMatchObject({ state: 'deployed' });
    proxy.setFaults([]);
    expect(await h.adapter.listing()).toMatchObject({ serviceGroups: 31, services: 31, attachedPolicies });
  });

  it('logged each retry without the password', () => {
    expect(logs.some((l) => /retry 1 of 3/.test(l) && /connection reset/.test(l))).toBe(true);
    expect(logs.some((l) => /HTTP 503; retry/.test(l))).toBe(true);
    expect(logs.join('\n')).not.toContain(h.ctx.credentials.password);
  });
});

describe('a dead gateway', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ profile: 'healthy', version: '1.1', callTimeoutMs: 3_000 });
  });

  afterAll(async () => {
    await h?.close();
  });

  it('gives one line naming the admin URL, without the password', async () => {
    const info = await h.adapter.start();
    const pid = info.pid ?? -1;
    process.kill(pid, 'SIGKILL');
    await h.adapter.exited();
    expect(isAlive(pid)).toBe(false);
    for (const call of [() => h.adapter.listing(), () => h.adapter.register(h.spec(0)), () => h.adapter.liveMemory()]) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GwscaleError);
      const { message, kind, hint } = error as GwscaleError;
      expect(kind).toBe('gateway');
      expect(message).toContain(info.adminUrl);
      expect(message).toMatch(/connection refused/);
      expect(message).not.toMatch(/\n/);
      expect(message).not.toContain(h.ctx.credentials.password);
      expect(hint).toMatch(/still running/);
    }
  });
});
