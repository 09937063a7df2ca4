/**
 * The reference gateway's entity store, configuration XML and deployment API, in-process: store →
 * serialise → parse → check → active configuration round-trips, listing counts, idempotent
 * registration, policy behaviours on the data plane, and basic auth on the admin API.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackend, type Backend } from '../src/backend/index.js';
import { ActiveConfiguration } from '../src/reference-gateway/active-config.js';
import { ApiError } from '../src/reference-gateway/api-error.js';
import { ConfigInvalid, parseConfigTree, readConfig, serialiseConfig } from '../src/reference-gateway/config-xml.js';
import { Deployer, DEPLOYED_FILE } from '../src/reference-gateway/deployer.js';
import { startReferenceGateway, type RunningGateway } from '../src/reference-gateway/gateway.js';
import { profileBehaviours } from '../src/reference-gateway/profiles.js';
import { EntityStore, type WsdlParser } from '../src/reference-gateway/store.js';
import { REQUEST_CIRCUIT, RESPONSE_CIRCUIT } from '../src/reference-gateway/protocol.js';
import { createServiceGenerator, parseWsdlWithTree } from '../src/wsdl/index.js';
import { envelope, post, soapHeaders } from './reference-harness.js';

const parse: WsdlParser = (input, source) => {
  const parsed = parseWsdlWithTree(input, source);
  return { document: parsed.document, text: parsed.text };
};
const generate = createServiceGenerator({ version: 'mixed', seed: 3, endpointBase: 'http://127.0.0.1:9' });
const meta = { deployVersion: 1, deployedAt: '2024-01-01T00:00:00.000Z', profile: 'healthy' };

function storeWith(n: number): EntityStore {
  const store = new EntityStore(parse);
  for (let i = 0; i < n; i++) {
    const spec = generate(i);
    store.createGroup(spec.group);
    store.importWsdl(spec.group, spec.wsdlText, spec.fileName);
    store.attachPolicy(spec.group, spec.serviceName, REQUEST_CIRCUIT, 'Add Header X-Gw-Request');
    store.attachPolicy(spec.group, spec.serviceName, RESPONSE_CIRCUIT, 'Add Header X-Gw-Response');
  }
  return store;
}

describe('entity store', () => {
  it('imports WSDL 1.1 and 2.0 services with operations and two generated circuits per operation', () => {
    const store = new EntityStore(parse);
    for (const i of [0, 1]) {
      const spec = generate(i);
      store.createGroup(spec.group);
      const { created, services } = store.importWsdl(spec.group, spec.wsdlText, spec.fileName);
      expect(created).toBe(true);
      expect(services.map((s) => s.name)).toEqual([spec.serviceName]);
      expect(services[0]?.version).toBe(spec.version);
      expect(services[0]?.operations.map((o) => o.name).sort()).toEqual(['CancelOrder', 'GetQuote', 'GetStatus', 'PlaceOrder']);
      expect(services[0]?.operations[0]?.circuits.map((c) => c.name)).toEqual([REQUEST_CIRCUIT, RESPONSE_CIRCUIT]);
    }
    expect(generate(0).version).not.toBe(generate(1).version);
    expect(store.counts()).toEqual({ serviceGroups: 2, services: 2, operations: 8, circuits: 16, attachedPolicies: 0 });
  });

  it('registration is idempotent: the same import and the same attachment add nothing', () => {
    const store = storeWith(1);
    const spec = generate(0);
    const before = store.counts();
    expect(store.createGroup(spec.group)).toEqual({ created: false });
    expect(store.importWsdl(spec.group, spec.wsdlText, spec.fileName).created).toBe(false);
    expect(store.attachPolicy(spec.group, spec.serviceName, REQUEST_CIRCUIT, 'Add Header X-Gw-Request')).toEqual({ attached: 0, alreadyAttached: 4 });
    expect(store.counts()).toEqual(before);
    expect(before).toEqual({ serviceGroups: 1, services: 1, operations: 4, circuits: 8, attachedPolicies: 8 });
  });

  it('refuses a service name another group holds, a wrong-direction policy and an unknown policy', () => {
    const store = storeWith(1);
    const spec = generate(0);
    store.createGroup('other');
    expect(() => store.importWsdl('other', spec.wsdlText, spec.fileName)).toThrow(ApiError);
    expect(() => store.attachPolicy(spec.group, spec.serviceName, REQUEST_CIRCUIT, 'Add Header X-Gw-Response')).toThrow(/response policy/);
    expect(() => store.attachPolicy(spec.group, spec.serviceName, REQUEST_CIRCUIT, 'No Such Policy')).toThrow(/no policy named "No Such Policy"/);
    expect(() => store.importWsdl('other', '<not-a-wsdl/>', 'bad.wsdl')).toThrow(/bad\.wsdl/);
  });

  it('a repeated identical policy is a no-op; a different one with the same name is a conflict', () => {
    const store = new EntityStore(parse);
    const policy = { name: 'Tag', direction: 'request' as const, actions: [{ type: 'add-header' as const, name: 'X-Tag', value: '1' }] };
    expect(store.createPolicy(policy)).toEqual({ created: true });
    expect(store.createPolicy(policy)).toEqual({ created: false });
    expect(() => store.createPolicy({ ...policy, actions: [{ type: 'add-header', name: 'X-Tag', value: '2' }] })).toThrow(/different policy/);
  });
});

describe('configuration XML', () => {
  it('round-trips: serialise → parse → check gives the same services, WSDL texts and counts', () => {
    const store = storeWith(6);
    const config = readConfig(parseConfigTree(serialiseConfig(store, meta)));
    expect(config.services).toHaveLength(6);
    expect(config.services.map((s) => s.wsdlText)).toEqual([...Array(6).keys()].map((i) => generate(i).wsdlText));
    expect(ActiveConfiguration.build(config).counts).toEqual(store.counts());
    const restored = new EntityStore(parse);
    for (const s of config.services) restored.restore({ ...s, attached: new Map(s.operations.map((o) => [o.name, o.circuits])) });
    expect(restored.counts()).toEqual(store.counts());
  });

  it('keeps a WSDL whose text contains "]]>" intact', () => {
    const spec = generate(0);
    const text = spec.wsdlText.replace('<wsdl:types>', '<!-- a ]]> in a comment --><wsdl:types>');
    const store = new EntityStore(parse);
    store.createGroup('g');
    store.importWsdl('g', text, 'odd.wsdl');
    const config = readConfig(parseConfigTree(serialiseConfig(store, meta)));
    expect(config.services[0]?.wsdlText).toBe(text);
  });

  it('rejects a configuration whose circuit names a policy the library does not hold', () => {
    const xml = serialiseConfig(storeWith(1), meta).replace('<policyRef name="Add Header X-Gw-Request"/>', '<policyRef name="Gone Policy"/>');
    expect(() => readConfig(parseConfigTree(xml))).toThrow(ConfigInvalid);
    expect(() => readConfig(parseConfigTree(xml))).toThrow(/"Gone Policy", which the library does not hold/);
  });
});

describe('deployer', () => {
  let dataDir = '';
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'gwscale-deployer-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('persists the deployed XML, and a new deployer on the same data dir loads the same configuration', async () => {
    const store = storeWith(4);
    const deployer = new Deployer(store, dataDir, 'healthy', profileBehaviours.healthy);
    const result = await deployer.deploy();
    expect(result).toMatchObject({ status: 'deployed', deployVersion: 1, services: 4 });
    expect(await readFile(join(dataDir, DEPLOYED_FILE), 'utf8')).toContain('<entityStore');
    const again = await deployer.deploy();
    expect(again).toMatchObject({ status: 'deployed', deployVersion: 2 });

    const fresh = new EntityStore(parse);
    const reloaded = new Deployer(fresh, dataDir, 'healthy', profileBehaviours.healthy);
    expect(await reloaded.load()).toBe(4);
    expect(fresh.counts()).toEqual(store.counts());
    expect(reloaded.active?.counts).toEqual(store.counts());
    expect(reloaded.active?.meta.deployVersion).toBe(2);
  });

  it('a deploy that fails its check reports the reason and leaves the active configuration in place', async () => {
    const store = storeWith(2);
    const deployer = new Deployer(store, dataDir, 'healthy', profileBehaviours.healthy);
    expect((await deployer.deploy()).status).toBe('deployed');
    const spec = generate(0);
    // Corrupt the store behind the API's back: a reference the library cannot satisfy.
    store.service(spec.group, spec.serviceName).operations[0]?.circuits[0].policies.push('Vanished');
    const failed = await deployer.deploy();
    expect(failed.status).toBe('failed');
    expect(failed.status === 'failed' ? failed.reason : '').toMatch(/"Vanished"/);
    expect(deployer.active?.meta.deployVersion).toBe(1);
  });
});

describe('deployment API and data plane (in-process gateway)', () => {
  let gateway: RunningGateway;
  let backend: Backend;
  let dataDir = '';
  const credentials = { user: 'admin', password: 'not-on-any-command-line' };
  const auth = { authorization: `Basic ${Buffer.from(`${credentials.user}:${credentials.password}`).toString('base64')}` };
  const specs = [0, 1, 2];

  const admin = async (
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    headers: Record<string, string> = auth,
  ): Promise<{ status: number; body: Record<string, unknown> }> => {
    const answer = await fetch(`${gateway.adminUrl}${path}`, {
      method,
      headers: { ...headers, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    return { status: answer.status, body: (await answer.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'gwscale-refapi-'));
    backend = await startBackend();
    gateway = await startReferenceGateway({ dataDir, profile: 'healthy', credentials, parseWsdl: parse });
  });
  afterAll(async () => {
    await gateway?.close();
    await backend?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const serviceAt = (i: number): ReturnType<typeof generate> => createServiceGenerator({ version: 'mixed', seed: 3, endpointBase: backend.url })(i);

  it('answers 401 without credentials and with a wrong password', async () => {
    expect((await admin('GET', '/api/listing', undefined, {})).status).toBe(401);
    const wrong = { authorization: `Basic ${Buffer.from(`${credentials.user}:guess`).toString('base64')}` };
    const answer = await admin('GET', '/api/listing', undefined, wrong);
    expect(answer.status).toBe(401);
    expect(JSON.stringify(answer.body)).not.toContain(credentials.password);
    expect((await admin('GET', '/api/listing')).status).toBe(200);
  });

  it('bad bodies get 400/413 with a reason; WSDL URLs off loopback are refused', async () => {
    const notJson = await admin('POST', '/api/groups', '{"name":');
    expect(notJson.status).toBe(400);
    expect(String(notJson.body['error'])).toMatch(/not JSON/);
    const wrongShape = await admin('POST', '/api/groups', { title: 'x' });
    expect(wrongShape.status).toBe(400);
    const big = await admin('POST', '/api/groups', JSON.stringify({ name: 'x'.repeat(11 * 1024 * 1024) }));
    expect(big.status).toBe(413);
    await admin('POST', '/api/groups', { name: 'remote' });
    const remote = await admin('POST', '/api/groups/remote/services', { wsdlUrl: 'http://example.com/x.wsdl' });
    expect(remote.status).toBe(400);
    expect(String(remote.body['error'])).toMatch(/not on loopback/);
  });

  it('imports idempotently, lists store and active counts, and serves only what is deployed', async () => {
    for (const i of specs) {
      const spec = serviceAt(i);
      expect((await admin('POST', '/api/groups', { name: spec.group })).status).toBe(201);
      const imported = await admin('POST', `/api/groups/${spec.group}/services`, { wsdlText: spec.wsdlText, source: spec.fileName });
      expect(imported.status).toBe(201);
      const again = await admin('POST', `/api/groups/${spec.group}/services`, { wsdlText: spec.wsdlText, source: spec.fileName });
      expect(again).toMatchObject({ status: 200, body: { created: false } });
      for (const [circuit, policy] of [
        [REQUEST_CIRCUIT, 'Add Header X-Gw-Request'],
        [RESPONSE_CIRCUIT, 'Add SOAP Header Element'],
        [RESPONSE_CIRCUIT, 'Strip Internal Headers'],
      ]) {
        const attach = await admin('POST', `/api/groups/${spec.group}/services/${spec.serviceName}/policies`, { circuit, policy });
        expect(attach).toMatchObject({ status: 200, body: { attached: 4, alreadyAttached: 0 } });
      }
    }
    const before = await admin('GET', '/api/listing');
    expect(before.body['active']).toBeNull();
    expect(before.body['store']).toEqual({ serviceGroups: 4, services: 3, operations: 12, circuits: 24, attachedPolicies: 36 });

    const spec = serviceAt(0);
    const undeployed = await post(
      `${gateway.dataUrl}/${spec.serviceName}`,
      envelope('1.1', `http://gwscale.test/ws/${spec.serviceName}`, 'GetQuote'),
      soapHeaders('1.1', `http://gwscale.test/ws/${spec.serviceName}/GetQuote`),
    );
    expect(undeployed.status).toBe(404);
    expect(undeployed.body).toMatch(/Fault/);

    const deployed = await admin('POST', '/api/deploy');
    expect(deployed).toMatchObject({ status: 200, body: { status: 'deployed', services: 3 } });
    const after = await admin('GET', '/api/listing');
    expect(after.body['active']).toEqual(after.body['store']);
  });

  it('runs the attached policies: SOAP header element added, internal headers stripped', async () => {
    const spec = serviceAt(0);
    const ns = `http://gwscale.test/ws/${spec.serviceName}`;
    const answer = await post(`${gateway.dataUrl}/${spec.serviceName}`, envelope('1.1', ns, 'GetQuote'), soapHeaders('1.1', `${ns}/GetQuote`));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatch(/<soap:Header><gw:Processed xmlns:gw="urn:gwscale:gateway">gwscale-reference<\/gw:Processed><\/soap:Header>/);
    expect(answer.body).toMatch(/<(?:\w+:)?requestPolicy>Add Header X-Gw-Request<\//);
    expect(answer.headers['x-backend-service']).toBeUndefined();
    expect(answer.headers['x-gw-response-policy']).toBe('Add SOAP Header Element, Strip Internal Headers');
  });

  it('a created policy can be attached and deployed; "Validate SOAP Envelope" rejects a broken envelope', async () => {
    const spec = serviceAt(1);
    const created = await admin('POST', '/api/policies', {
      name: 'Tag Tenant',
      direction: 'request',
      actions: [{ type: 'add-header', name: 'X-Gw-Tenant', value: 'blue' }],
    });
    expect(created.status).toBe(201);
    for (const policy of ['Tag Tenant', 'Validate SOAP Envelope']) {
      expect((await admin('POST', `/api/groups/${spec.group}/services/${spec.serviceName}/policies`, { circuit: REQUEST_CIRCUIT, policy })).status).toBe(200);
    }
    expect((await admin('POST', '/api/deploy')).body['status']).toBe('deployed');
    const ns = `http://gwscale.test/ws/${spec.serviceName}`;
    const ok = await post(
      `${gateway.dataUrl}/${spec.serviceName}`,
      envelope('1.2', ns, 'GetStatus', '<t:orderId>1</t:orderId>'),
      soapHeaders('1.2', `${ns}/GetStatus`),
    );
    expect(ok.status).toBe(200);
    expect(ok.headers['x-echo-x-gw-tenant']).toBe('blue');
    const broken = await post(
      `${gateway.dataUrl}/${spec.serviceName}`,
      '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><t:GetStatus>',
      soapHeaders('1.2', `${ns}/GetStatus`),
    );
    expect(broken.status).toBe(400);
    expect(broken.body).toMatch(/Validate SOAP Envelope: not well-formed XML/);
    expect(broken.headers['content-type']).toMatch(/application\/soap\+xml/);
  });
});
