import { copyFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { ExitCode } from '../src/exit-codes.js';
import type { WsdlCheckResult } from '../src/wsdl/index.js';
import { gwscale } from './helpers/cli.js';
import { tempDir } from './helpers/temp-dir.js';

const root = new URL('..', import.meta.url).pathname;
const good = join(root, 'fixtures/wsdl/hotel-reservation-2.0.wsdl');
const bad = join(root, 'fixtures/bad-wsdl/missing-porttype.wsdl');
const missingSchema = `${good}:19: warning: schema-import location common-types.xsd names no readable file; not read`;

async function cli(...argv: string[]): Promise<{ code: ExitCode; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

const tmp = tempDir('gwscale-wsdl-cli-');

describe('gwscale wsdl generate', () => {
  it('writes N files, same seed twice gives identical bytes', async () => {
    const a = join(tmp, 'a');
    const b = join(tmp, 'b');
    const first = await cli('wsdl', 'generate', '--count', '6', '--version', 'mixed', '--seed', '7', '--out', a);
    expect(first.code).toBe(ExitCode.Ok);
    expect(first.out).toMatch(/^wrote 6 WSDL files \(3 × WSDL 1\.1, 3 × WSDL 2\.0, [\d.]+ KiB\) to .*: svc-00000\.wsdl … svc-00005\.wsdl\n$/);
    expect((await cli('wsdl', 'generate', '-n', '6', '--version', 'mixed', '--seed', '7', '-o', b)).code).toBe(ExitCode.Ok);
    const files = readdirSync(a).sort();
    expect(files).toEqual(['svc-00000.wsdl', 'svc-00001.wsdl', 'svc-00002.wsdl', 'svc-00003.wsdl', 'svc-00004.wsdl', 'svc-00005.wsdl']);
    for (const file of files) expect(readFileSync(join(b, file), 'utf8')).toBe(readFileSync(join(a, file), 'utf8'));
  });

  it('uses --wsdl templates and --endpoint-base, and reports JSON', async () => {
    const out = join(tmp, 'user');
    const result = await cli(
      'wsdl',
      'generate',
      '--count',
      '2',
      '--version',
      '2.0',
      '--wsdl',
      join(root, 'fixtures/wsdl'),
      '--endpoint-base',
      'http://127.0.0.1:8088/backend',
      '--out',
      out,
      '--json',
    );
    expect(result.code).toBe(ExitCode.Ok);
    expect(JSON.parse(result.out)).toMatchObject({ count: 2, countByVersion: { '1.1': 0, '2.0': 2 }, firstFile: 'svc-00000.wsdl', lastFile: 'svc-00001.wsdl' });
    expect(readFileSync(join(out, 'svc-00001.wsdl'), 'utf8')).toMatch(/address="http:\/\/127\.0\.0\.1:8088\/backend\/Svc00001_[0-9a-f]{6}"/);
  });

  it('--wsdl with real-world templates: every one accepted, each warning shown once per template; --strict refuses them', async () => {
    const templates = join(tmp, 'wild');
    mkdirSync(templates);
    for (const name of ['cxf-jms-no-address.wsdl', 'zeep-http-post-companyinfo.wsdl', 'postman-w3schools-tempconvert.wsdl']) {
      copyFileSync(join(root, 'fixtures/wsdl-wild', name), join(templates, name));
    }
    const out = join(tmp, 'wild-out');
    const result = await cli('wsdl', 'generate', '--count', '9', '--wsdl', templates, '--out', out);
    expect(result.code).toBe(ExitCode.Ok);
    const warnings = result.err.trim().split('\n');
    expect(warnings).toHaveLength(4);
    expect(warnings.filter((l) => l.startsWith(`${join(templates, 'cxf-jms-no-address.wsdl')}:75: warning: `))).toHaveLength(1);
    expect(warnings.filter((l) => l.startsWith(`${join(templates, 'zeep-http-post-companyinfo.wsdl')}:`))).toHaveLength(3);
    // The port without an address gets one in every copy.
    expect(readFileSync(join(out, 'svc-00000.wsdl'), 'utf8')).toMatch(
      /<gwscale-address:address xmlns:gwscale-address="http:\/\/schemas\.xmlsoap\.org\/wsdl\/soap\/" location="http:\/\/127\.0\.0\.1:9000\/Svc00000_[0-9a-f]{6}"\/>/,
    );
    const strict = await cli('wsdl', 'generate', '--count', '9', '--wsdl', templates, '--out', join(tmp, 'wild-strict'), '--strict');
    expect(strict.code).toBe(ExitCode.Input);
    expect(strict.err).toMatch(/cxf-jms-no-address\.wsdl: service HelloWorldQueueBinMsgService port HelloWorldQueueBinMsgPort has no address/);
  });

  it('refuses missing or bad flags with a usage error', async () => {
    expect(await cli('wsdl', 'generate', '--count', '3')).toMatchObject({ code: ExitCode.Usage, err: expect.stringContaining('--out is required') as unknown });
    expect(await cli('wsdl', 'generate', '--count', '3', '--out', tmp, '--version', '1.2')).toMatchObject({
      code: ExitCode.Usage,
      err: expect.stringContaining('--version: got "1.2", expected one of 1.1, 2.0, mixed') as unknown,
    });
    expect(await cli('wsdl', 'generate', '--count', '3', '--out', tmp, '--endpoint-base', 'nope')).toMatchObject({ code: ExitCode.Usage });
    expect((await cli('wsdl', 'generate', '--count', '1', '--out', join(tmp, 'x'), '--wsdl', join(tmp, 'nowhere'))).code).toBe(ExitCode.Input);
  });
});

describe('gwscale wsdl check', () => {
  it('--json gives one result per file, the bad one as data', async () => {
    const result = await cli('wsdl', 'check', '--json', good, bad);
    expect(result.code).toBe(ExitCode.Input);
    const results = JSON.parse(result.out) as WsdlCheckResult[];
    expect(results.map((r) => [r.file, r.state])).toEqual([
      [good, 'ok'],
      [bad, 'error'],
    ]);
    expect(results[0]?.state === 'ok' && results[0].document.services.map((s) => s.name)).toEqual(['reservationService', 'availabilityService']);
    // The W3C primer's example imports a schema file it does not ship: read, with a warning.
    expect(result.err).toBe(`${missingSchema}\ngwscale: ${bad}: binding QuoteBinding names portType QuotePT, which the document does not define\n`);
  });

  it('--strict refuses what is otherwise read with a warning', async () => {
    const result = await cli('wsdl', 'check', '--strict', good);
    expect(result.code).toBe(ExitCode.Input);
    expect(result.err).toBe(`gwscale: ${good}: schema-import location common-types.xsd names no readable file\n`);
  });

  it('--max-size refuses larger files', async () => {
    const result = await cli('wsdl', 'check', '--max-size', '1KB', good);
    expect(result.code).toBe(ExitCode.Input);
    expect(result.err).toMatch(/over the 1\.0 KiB limit/);
  });

  it('end to end: node bin/gwscale.js prints each document and one line per bad file', async () => {
    const child = await gwscale([
      'wsdl',
      'check',
      good,
      join(root, 'wsdl/order-service-1.1.wsdl'),
      join(root, 'fixtures/wsdl/stock-quote-imported-schema-1.1.wsdl'),
      bad,
    ]);
    expect(child.code).toBe(ExitCode.Input);
    expect(child.stdout).toContain(`${good}: WSDL 2.0, targetNamespace http://greath.example.com/2004/wsdl/resSvc`);
    expect(child.stdout).toContain(
      '    endpoint reservationSoap11Endpoint  binding reservationSOAP11Binding (SOAP 1.1)  http://127.0.0.1:8080/2004/reservation11',
    );
    expect(child.stdout).toContain('    opCancelReservation  robust-in-only  in {http://greath.example.com/2004/schemas/resSvc}cancelReservation');
    expect(child.stdout).toContain('  schema-import  namespace http://greath.example.com/2004/schemas/common  location common-types.xsd (not followed)');
    expect(child.stdout).toContain(
      `  schema-import  namespace http://example.com/stockquote/schemas  location stock-quote-types.xsd (read ${join(root, 'fixtures/wsdl/stock-quote-types.xsd')})`,
    );
    expect(child.stdout).toContain('    port OrderSoap12Port  binding OrderSoap12Binding (SOAP 1.2)  http://__ENDPOINT_BASE__/__SERVICE_NAME__/soap12');
    expect(child.stdout).toContain('    CancelOrder  in-only  in {urn:__TARGET_NAMESPACE__}CancelOrder');
    expect(child.stderr.trim().split('\n')).toEqual([
      missingSchema,
      `gwscale: ${bad}: binding QuoteBinding names portType QuotePT, which the document does not define`,
    ]);
  });
});
