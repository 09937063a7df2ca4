/**
 * The SOAP backend: answers any generated service's operations at `/${serviceName}` with the soap
 * package, in SOAP 1.1 and 1.2, for WSDL 1.1 and 2.0 services; knows one-way operations from the
 * WSDL when the harness serves it, learns operations from requests when it does not; injectable
 * latency; runs in-process and as its own process (stopped by PID).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatedWsdlFile, spawnBackend, startBackend, type Backend } from '../src/backend/index.js';
import { requestElementOf } from '../src/backend/service-model.js';
import { createServiceGenerator } from '../src/wsdl/index.js';
import type { ServiceSpec } from '../src/wsdl/model.js';
import { envelope, post, soapHeaders } from './reference-harness.js';

describe('SOAP backend (in-process)', () => {
  let backend: Backend;
  let plain: Backend;
  const specs: ServiceSpec[] = [];
  const wsdlServer = createServer((req, res) => {
    const spec = specs.find((s) => `/${s.fileName}` === req.url);
    if (spec === undefined) res.writeHead(404).end();
    else res.writeHead(200, { 'content-type': 'text/xml' }).end(spec.wsdlText);
  });

  beforeAll(async () => {
    await new Promise<void>((resolve) => wsdlServer.listen(0, '127.0.0.1', resolve));
    const wsdlBaseUrl = `http://127.0.0.1:${(wsdlServer.address() as AddressInfo).port}`;
    backend = await startBackend({ wsdlBaseUrl });
    plain = await startBackend();
    const generate = createServiceGenerator({ version: 'mixed', seed: 11, endpointBase: backend.url });
    specs.push(generate(0), generate(1));
  });
  afterAll(async () => {
    await backend?.close();
    await plain?.close();
    await new Promise<void>((resolve) => wsdlServer.close(() => resolve()));
  });

  const ns = (spec: ServiceSpec): string => `http://gwscale.test/ws/${spec.serviceName}`;

  it('maps generated service names to their WSDL files', () => {
    expect(generatedWsdlFile('Svc00042_7f3a9c')).toBe('svc-00042.wsdl');
    expect(generatedWsdlFile('OrderService')).toBeUndefined();
  });

  it('finds the first body element and its namespace, whichever element declares the prefix', () => {
    expect(requestElementOf(envelope('1.1', 'urn:a', 'GetQuote'))).toEqual({ local: 'GetQuote', namespace: 'urn:a' });
    const declaredOnEnvelope =
      '<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/" xmlns:q="urn:b"><e:Body>\n  <q:PlaceOrder/></e:Body></e:Envelope>';
    expect(requestElementOf(declaredOnEnvelope)).toEqual({ local: 'PlaceOrder', namespace: 'urn:b' });
    expect(requestElementOf('<x/>')).toBeNull();
  });

  for (const soap of ['1.1', '1.2'] as const) {
    it(`answers SOAP ${soap} for WSDL 1.1 and 2.0 services, at the service path and below it`, async () => {
      for (const spec of specs) {
        for (const path of [`/${spec.serviceName}`, `/${spec.serviceName}/soap12`]) {
          const answer = await post(`${backend.url}${path}`, envelope(soap, ns(spec), 'GetStatus', '<t:orderId>7</t:orderId>'), {
            ...soapHeaders(soap, `${ns(spec)}/GetStatus`),
            'x-gw-request-policy': 'P',
          });
          const where = `${spec.version} ${path} SOAP ${soap}`;
          expect(answer.status, where).toBe(200);
          expect(answer.body, where).toContain(soap === '1.1' ? 'http://schemas.xmlsoap.org/soap/envelope/' : 'http://www.w3.org/2003/05/soap-envelope');
          expect(answer.body, where).toMatch(new RegExp(`<(\\w+:)?GetStatusResponse[^>]*>.*<(\\w+:)?service>${spec.serviceName}<`));
          expect(answer.body, where).toMatch(/<(\w+:)?requestPolicy>P</);
          expect(answer.headers['x-echo-x-gw-request-policy'], where).toBe('P');
          expect(answer.headers['x-backend-service'], where).toBe(spec.serviceName);
        }
      }
    });
  }

  it('answers one-way operations (known from the WSDL) with 202 and no body', async () => {
    for (const spec of specs) {
      const answer = await post(
        `${backend.url}/${spec.serviceName}`,
        envelope('1.1', ns(spec), 'CancelOrder', '<t:orderId>7</t:orderId>'),
        soapHeaders('1.1', `${ns(spec)}/CancelOrder`),
      );
      expect(answer.status, spec.version).toBe(202);
      expect(answer.body).toBe('');
    }
  });

  it('without a WSDL it learns each operation from the requests and answers in the request namespace', async () => {
    for (const op of ['Alpha', 'Beta']) {
      const answer = await post(`${plain.url}/Anything`, envelope('1.2', 'urn:learned', op), soapHeaders('1.2', `urn:learned/${op}`));
      expect(answer.status).toBe(200);
      expect(answer.body).toMatch(new RegExp(`<(\\w+:)?${op}Response[^>]*xmlns(:\\w+)?="urn:learned"`));
    }
  });

  it('faults for requests that are not SOAP, and for the wrong method', async () => {
    const notSoap = await post(`${plain.url}/Anything`, 'hello', { 'content-type': 'text/xml' });
    expect(notSoap.status).toBe(400);
    expect(notSoap.body).toMatch(/<soap:Fault>.*no SOAP Body/);
    const get = await fetch(`${plain.url}/Anything`);
    expect(get.status).toBe(405);
    await get.text();
  });

  it('holds one-way answers for the injected latency too, as request-response ones', async () => {
    backend.setLatencyMs(300);
    try {
      for (const spec of specs) {
        for (const [operation, status] of [
          ['CancelOrder', 202],
          ['GetStatus', 200],
        ] as const) {
          const started = performance.now();
          const answer = await post(
            `${backend.url}/${spec.serviceName}`,
            envelope('1.1', ns(spec), operation, operation === 'CancelOrder' ? '<t:orderId>7</t:orderId>' : ''),
            soapHeaders('1.1', `${ns(spec)}/${operation}`),
          );
          const where = `${spec.version} ${operation}`;
          expect(answer.status, where).toBe(status);
          expect(answer.headers['x-backend-latency-ms'], where).toBe('300');
          // A timer never fires early (a lower bound only: an upper one would flake on a loaded machine).
          expect(performance.now() - started, where).toBeGreaterThanOrEqual(299);
        }
      }
    } finally {
      backend.setLatencyMs(0);
    }
  });

  it('adds the injected latency, and it can be changed while running', async () => {
    plain.setLatencyMs(300);
    const slow = await post(`${plain.url}/Anything`, envelope('1.1', 'urn:learned', 'Alpha'), soapHeaders('1.1', 'urn:learned/Alpha'));
    plain.setLatencyMs(0);
    const fast = await post(`${plain.url}/Anything`, envelope('1.1', 'urn:learned', 'Alpha'), soapHeaders('1.1', 'urn:learned/Alpha'));
    expect(slow.status).toBe(200);
    expect(slow.headers['x-backend-latency-ms']).toBe('300');
    expect(fast.headers['x-backend-latency-ms']).toBe('0');
  });
});

describe('SOAP backend as its own process', () => {
  it('starts, answers, changes latency, and stops by PID', async () => {
    const backend = await spawnBackend({ latencyMs: 0 });
    try {
      expect(backend.pid).toBeGreaterThan(0);
      expect(backend.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const answer = await post(`${backend.url}/Svc00001_abcdef`, envelope('1.1', 'urn:p', 'Ping'), soapHeaders('1.1', 'urn:p/Ping'));
      expect(answer.status).toBe(200);
      expect(answer.body).toMatch(/PingResponse/);
      expect(answer.headers['x-backend-latency-ms']).toBe('0');
      await backend.setLatencyMs(250);
      const slow = await post(`${backend.url}/Svc00001_abcdef`, envelope('1.1', 'urn:p', 'Ping'), soapHeaders('1.1', 'urn:p/Ping'));
      expect(slow.status).toBe(200);
      expect(slow.headers['x-backend-latency-ms']).toBe('250');
    } finally {
      await backend.stop();
    }
    expect(() => process.kill(backend.pid, 0)).toThrow();
    await backend.stop();
  });
});
