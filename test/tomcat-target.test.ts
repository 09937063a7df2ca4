/**
 * The Tomcat target against a real Tomcat 10 (Debian's tomcat10 + tomcat10-admin), its JVM started
 * by the adapter on loopback in a private CATALINA_BASE. A missing Tomcat fails the test with the
 * install command in the message.
 */
import { randomBytes } from 'node:crypto';
import { readdir, readFile, rm, stat, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdapterContext, GatewayAdapter, GatewayInfo } from '../src/gateways/adapter.js';
import { createTomcatAdapter, TOMCAT_INSTALL_COMMAND } from '../src/gateways/tomcat/index.js';
import type { MemoryReading } from '../src/sampling/source.js';
import { generateServices } from '../src/wsdl/index.js';
import type { ServiceSpec } from '../src/wsdl/model.js';
import { expectRestartServesDeployed, expectStopsByPid } from './helpers/target-checks.js';

const BACKEND = 'http://127.0.0.1:9';

function context(workDir: string, password: string, logs: string[] = []): AdapterContext {
  return Object.freeze({
    workDir,
    profile: 'default',
    heapMb: 384,
    wsdlBaseUrl: 'http://127.0.0.1:1',
    backendUrl: BACKEND,
    callTimeoutMs: 60_000,
    credentials: { user: 'gwscale', password },
    log: (line: string) => logs.push(line),
    // This file proves reloads; test/tomcat-redeploy.test.ts compares both modes.
    targetOptions: { redeployMode: 'reload' as const },
  });
}

describe('tomcat target', () => {
  const password = randomBytes(18).toString('base64url');
  let workDir: string;
  let adapter: GatewayAdapter;
  let info: GatewayInfo;
  let services: ServiceSpec[];
  let warmBaseline: MemoryReading;
  const logs: string[] = [];

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'gwscale-tomcat-'));
    adapter = createTomcatAdapter(context(workDir, password, logs));
    services = generateServices({ count: 200, version: 'mixed', seed: 11, endpointBase: BACKEND });
  });

  afterAll(async () => {
    await adapter?.stop();
    await rm(workDir, { recursive: true, force: true });
  });

  it('starts the JVM itself, on loopback, with the password only in a 0600 file', async () => {
    info = await adapter.start();
    expect(info.version).toMatch(/^Apache Tomcat\/10\.\d+\.\d+/);
    expect(info.pid).toBeGreaterThan(0);
    expect(info.dataUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const cmdline = await readFile(`/proc/${info.pid}/cmdline`, 'utf8');
    expect(cmdline).toContain('org.apache.catalina.startup.Bootstrap');
    expect(cmdline).not.toContain(password);
    const [base] = (await readdir(workDir)).filter((d) => d.startsWith('tomcat-base-'));
    const users = join(workDir, base!, 'conf', 'tomcat-users.xml');
    expect((await stat(users)).mode & 0o777).toBe(0o600);
    expect(await readFile(users, 'utf8')).toContain(password);
    const properties = await readFile(join(workDir, base!, 'conf', 'catalina.properties'), 'utf8');
    expect(properties).toMatch(/jarsToSkip=tomcat10-\*\.jar,eclipse-jdt-core\*\.jar,/);
  });

  it('registers WARs in rounds: new WARs uploaded, existing contexts reloaded, Tomcat lists exactly them', async () => {
    // Warm-up: the first JSP compile loads the compiler for good; the baseline comes after it.
    await adapter.register(services[0]!);
    expect((await adapter.deploy()).state).toBe('deployed');
    expect((await adapter.verify([services[0]!]))[0]).toMatchObject({ ok: true });
    warmBaseline = await adapter.liveMemory();

    for (const [from, to] of [
      [1, 100],
      [100, 200],
    ] as const) {
      for (const spec of services.slice(from, to)) {
        expect(await adapter.register(spec)).toMatchObject({ created: true, attachedPolicies: 2, operations: 4 });
      }
      const deploy = await adapter.deploy();
      expect(deploy).toMatchObject({ state: 'deployed', detail: `uploaded ${to - from} WARs, reloaded ${from} contexts` });
      // Reported, not asserted (no timed assertions on a shared machine).
      console.log(`tomcat: round to ${to} WARs (${to - from} uploaded, ${from} reloaded) deployed in ${deploy.ms} ms`);
      const counts = await adapter.listing();
      expect(counts.services).toBe(to);
      expect(counts.attachedPolicies).toBe(2 * to);
    }
    expect(await adapter.register(services[5]!)).toMatchObject({ created: false });
    // Two rounds of 100 WAR uploads and JSP compiles: 42 s alone, over 2 min on 2 cores shared with other suites.
  }, 300_000);

  it('answers SOAP through every WAR with both policies applied', async () => {
    const outcomes = await adapter.verify(services);
    expect(outcomes.filter((o) => !o.ok)).toEqual([]);
    expect(outcomes).toHaveLength(200);
  });

  it('answers SOAP 1.2 and one-way operations, and serves the WSDL with its own address', async () => {
    const spec = services[3]!;
    const ns = `http://gwscale.test/ws/${spec.serviceName}`;
    const soap12 = await fetch(`${info.dataUrl}/${spec.serviceName}/soap12`, {
      method: 'POST',
      headers: { 'content-type': `application/soap+xml; charset=utf-8; action="${ns}/GetStatus"` },
      body: `<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body><t:GetStatus xmlns:t="${ns}"><t:orderId>1</t:orderId></t:GetStatus></e:Body></e:Envelope>`,
    });
    expect(soap12.status).toBe(200);
    expect(soap12.headers.get('content-type')).toMatch(/^application\/soap\+xml/);
    expect(soap12.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    const text = await soap12.text();
    expect(text).toContain(`<r:GetStatusResponse xmlns:r="${ns}">`);
    expect(text).toContain('<r:operation>GetStatus</r:operation>');

    const oneWay = await fetch(`${info.dataUrl}/${spec.serviceName}`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${ns}/CancelOrder"` },
      body: `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><CancelOrder xmlns="${ns}"><orderId>1</orderId></CancelOrder></s:Body></s:Envelope>`,
    });
    expect(oneWay.status).toBe(202);
    expect(await oneWay.text()).toBe('');

    for (const url of [`${info.dataUrl}/${spec.serviceName}/service.wsdl`, `${info.dataUrl}/${spec.serviceName}?wsdl`]) {
      const wsdl = await fetch(url);
      expect(wsdl.status).toBe(200);
      const body = await wsdl.text();
      expect(body).toContain(`"${info.dataUrl}/${spec.serviceName}"`);
      expect(body).not.toContain(BACKEND);
    }
  });

  it('reads the JVM heap after GC with metaspace and class counts; reloaded classloaders are unloaded', async () => {
    const reading = await adapter.liveMemory();
    expect(reading.source).toBe('jvm-heap-after-gc');
    expect(reading.afterGc).toBe(true);
    expect(reading.bytes).toBeGreaterThan(warmBaseline.bytes);
    expect(reading.extra?.metaspaceBytes).toBeGreaterThan(0);
    expect(reading.extra?.rssBytes).toBeGreaterThan(reading.bytes);
    expect(reading.extra?.loadedClasses).toBeGreaterThan(1000);
    // 100 contexts were reloaded: each old loader's JSP class must have been unloaded.
    expect(reading.extra?.unloadedClasses).toBeGreaterThanOrEqual(100);
    expect(reading.extra?.leakedContexts).toBe(0);
    console.log(
      `tomcat: heap after GC ${(warmBaseline.bytes / 2 ** 20).toFixed(1)} MiB (1 WAR) -> ${(reading.bytes / 2 ** 20).toFixed(1)} MiB (200 WARs); ` +
        `metaspace ${((reading.extra?.metaspaceBytes ?? 0) / 2 ** 20).toFixed(1)} MiB, loaded ${reading.extra?.loadedClasses}, unloaded ${reading.extra?.unloadedClasses}`,
    );
  });

  it('offers a one-call JVM heap-in-use source (no GC, no extras) for sampling during deploys', async () => {
    const source = adapter.heapInUseSource?.() ?? null;
    expect(source?.name).toBe('jvm-heap-used');
    const reading = await source?.read();
    expect(reading).toMatchObject({ source: 'jvm-heap-used', afterGc: false });
    expect(reading?.bytes).toBeGreaterThan(0);
    expect(reading?.extra).toBeUndefined();
  });

  it('restarts with every deployed WAR loaded again', async () => {
    await expectRestartServesDeployed(adapter, services);
  });

  it('stops the JVM by pid, and stopping twice is safe', async () => {
    await expectStopsByPid(adapter);
  });

  it('never wrote the password to a log', async () => {
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.join('\n')).not.toContain(password);
    const [base] = (await readdir(workDir)).filter((d) => d.startsWith('tomcat-base-'));
    const console = await readFile(join(workDir, base!, 'logs', 'console.log'), 'utf8');
    expect(console).toContain('Server startup in');
    expect(console).not.toContain(password);
  });
});

describe('tomcat target without tomcat', () => {
  it('fails with the command that installs it', async () => {
    const workDir = await mkdtemp(join(tmpdir(), 'gwscale-tomcat-missing-'));
    try {
      const adapter = createTomcatAdapter(context(workDir, 'x'), { catalinaHome: join(workDir, 'no-tomcat') });
      await expect(adapter.start()).rejects.toThrow(`run \`${TOMCAT_INSTALL_COMMAND}\``);
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  });
});
