/**
 * SOAP through a spawned reference gateway to the SOAP backend: WSDL 1.1 and 2.0 services, SOAP
 * 1.1 and 1.2 requests, both policies applied (the request policy seen by the backend, the response
 * policy in the answer), one-way operations, verify(), and the configuration surviving a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelope, post, soapHeaders, startHarness, type Harness } from './reference-harness.js';

const SERVICES = 4;

describe('SOAP through the reference gateway (real process)', () => {
  let h: Harness;
  let dataUrl = '';

  beforeAll(async () => {
    h = await startHarness({ profile: 'healthy', version: 'mixed' });
    dataUrl = (await h.adapter.start()).dataUrl;
    await h.registerRange(0, SERVICES);
    expect((await h.adapter.deploy()).state).toBe('deployed');
  });
  afterAll(async () => {
    await h?.close();
  });

  const call = (index: number, soap: '1.1' | '1.2', operation = 'GetQuote', content?: string): ReturnType<typeof post> => {
    const spec = h.spec(index);
    const ns = `http://gwscale.test/ws/${spec.serviceName}`;
    return post(`${dataUrl}/${spec.serviceName}`, envelope(soap, ns, operation, content), soapHeaders(soap, `${ns}/${operation}`));
  };

  it('generates both WSDL versions', () => {
    expect(new Set([0, 1, 2, 3].map((i) => h.spec(i).version))).toEqual(new Set(['1.1', '2.0']));
  });

  for (const soap of ['1.1', '1.2'] as const) {
    it(`SOAP ${soap} requests reach the backend with the request policy and come back with the response policy`, async () => {
      for (let i = 0; i < SERVICES; i++) {
        const answer = await call(i, soap);
        const where = `${h.spec(i).serviceName} (WSDL ${h.spec(i).version}, SOAP ${soap})`;
        expect(answer.status, where).toBe(200);
        expect(answer.headers['content-type'], where).toMatch(soap === '1.1' ? /^text\/xml/ : /^application\/soap\+xml/);
        expect(answer.body, where).toContain(soap === '1.1' ? 'http://schemas.xmlsoap.org/soap/envelope/' : 'http://www.w3.org/2003/05/soap-envelope');
        expect(answer.body, where).toMatch(/GetQuoteResponse/);
        expect(answer.body, where).not.toMatch(/Fault/);
        // Request policy: the backend saw the header the policy set, and echoes it.
        expect(answer.headers['x-echo-x-gw-request-policy'], where).toBe('Add Header X-Gw-Request');
        expect(answer.headers['x-echo-x-gw-request'], where).toBe('gwscale-reference');
        // Response policy: added by the gateway on the way back.
        expect(answer.headers['x-gw-response-policy'], where).toBe('Add Header X-Gw-Response');
        expect(answer.headers['x-gw-response'], where).toBe('gwscale-reference');
      }
    });
  }

  it('a one-way operation is accepted with 202 and no body', async () => {
    const answer = await call(0, '1.1', 'CancelOrder', '<t:orderId>42</t:orderId>');
    expect(answer.status).toBe(202);
    expect(answer.body).toBe('');
    expect(answer.headers['x-gw-response-policy']).toBe('Add Header X-Gw-Response');
  });

  it('an unknown service gets a SOAP fault with 404; a registered but undeployed one too', async () => {
    const unknown = await post(`${dataUrl}/NoSuchService`, envelope('1.2', 'urn:x', 'GetQuote'), soapHeaders('1.2', 'urn:x/GetQuote'));
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatch(/<env:Fault>.*no deployed service at \/NoSuchService/);
    await h.adapter.register(h.spec(SERVICES));
    const undeployed = await call(SERVICES, '1.1');
    expect(undeployed.status).toBe(404);
    expect(undeployed.body).toMatch(/<soap:Fault>/);
  });

  it('verify() checks every service through the data plane, and the configuration survives a restart', async () => {
    const specs = [0, 1, 2, 3].map((i) => h.spec(i));
    expect((await h.adapter.verify(specs)).filter((o) => !o.ok)).toEqual([]);
    const pidBefore = h.adapter.pid();
    const info = await h.adapter.restart();
    expect(info.pid).not.toBe(pidBefore);
    dataUrl = info.dataUrl;
    // Only the deployed configuration is kept: the undeployed registration is gone.
    expect(await h.adapter.listing()).toEqual({
      serviceGroups: SERVICES,
      services: SERVICES,
      operations: SERVICES * 4,
      circuits: SERVICES * 8,
      attachedPolicies: SERVICES * 8,
    });
    expect((await h.adapter.verify(specs)).every((o) => o.ok && o.status === 200)).toBe(true);
    const failing = await h.adapter.verify([h.spec(SERVICES)]);
    expect(failing[0]).toMatchObject({ ok: false, status: 404 });
  });

  it('a dead gateway gives a one-line gateway error naming the URL, without the password', async () => {
    const pid = h.adapter.pid();
    expect(pid).not.toBeNull();
    process.kill(pid ?? 0, 'SIGKILL');
    expect((await h.adapter.exited()).signal).toBe('SIGKILL');
    const error = await h.adapter.listing().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect((error as { kind?: string }).kind).toBe('gateway');
    expect(message).not.toContain('\n');
    expect(message).not.toContain(h.ctx.credentials.password);
    expect(message).toMatch(/reference gateway: GET http:\/\/127\.0\.0\.1:\d+\/api\/listing: connection refused/);
    expect(h.adapter.pid()).toBeNull();
    // Stopping after a crash is safe.
    await h.adapter.stop();
  });
});
