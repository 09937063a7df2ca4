import { afterAll, describe, expect, it } from 'vitest';
import { driveConcurrencyStep } from '../src/api/traffic.js';
import { startSlowServer, type TestServer } from './traffic-servers.js';

const servers: TestServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

/** Holds each answer 20 ms so every client is in flight at once. */
async function slowServer(): Promise<TestServer> {
  const server = await startSlowServer(20);
  servers.push(server);
  return server;
}

describe('driveConcurrencyStep', () => {
  for (const client of ['socket', 'undici'] as const) {
    it(`drives C closed-loop clients round-robin over every target and reports the in-flight peak (${client})`, async () => {
      const server = await slowServer();
      const origin = server.url.replace('/services/quote', '');
      const targets = ['a', 'b', 'c', 'd', 'e'].map((op) => ({
        url: `${origin}/services/svc-${op}`,
        body: `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><ns:Op${op} xmlns:ns="urn:t"/></soapenv:Body></soapenv:Envelope>`,
        headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: `"urn:t#Op${op}"` },
      }));
      const result = await driveConcurrencyStep({ targets, concurrency: 6, durationMs: 600, client });
      expect(result.mode).toBe('concurrency');
      expect(result.connections).toBe(6);
      expect(result.maxInFlight).toBe(6);
      expect(server.maxInFlight).toBe(6);
      expect([...server.paths].sort()).toEqual(['/services/svc-a', '/services/svc-b', '/services/svc-c', '/services/svc-d', '/services/svc-e']);
      expect(result.ok).toBe(result.completed);
      expect(result.completed).toBe(server.requests);
      expect(result.targets).toHaveLength(5);
      const seenAction = server.seen.find((r) => r.path === '/services/svc-c');
      expect(seenAction?.headers.soapaction).toBe('"urn:t#Opc"');
      expect(seenAction?.body).toContain('<ns:Opc xmlns:ns="urn:t"/>');
    });
  }

  it('refuses targets that are not on loopback', async () => {
    await expect(driveConcurrencyStep({ targets: [{ url: 'http://192.0.2.1:80/x', body: '', headers: {} }], concurrency: 1, durationMs: 100 })).rejects.toThrow(
      /not a loopback address/,
    );
  });

  it('stops early on abort', async () => {
    const server = await slowServer();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const result = await driveConcurrencyStep({
      targets: [{ url: server.url, body: '<x/>', headers: {} }],
      concurrency: 2,
      durationMs: 60_000,
      signal: controller.signal,
    });
    expect(result.stoppedBy).toBe('signal');
    expect(result.durationMs).toBeLessThan(30_000);
  });
});
