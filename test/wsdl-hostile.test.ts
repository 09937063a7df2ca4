/**
 * The "Reliability" corpus: every hostile or broken document in fixtures/bad-wsdl gives one line
 * naming the file and the problem, never fetches or reads anything, and stays within memory bounds.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, rmSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GwscaleError } from '../src/errors.js';
import { compileTemplate, parseWsdl, readWsdlFile, renderTemplate, DEFAULT_MAX_WSDL_BYTES } from '../src/wsdl/index.js';
import { tempDir } from './helpers/temp-dir.js';
import { errorOf } from './helpers/errors.js';

const badDir = new URL('../fixtures/bad-wsdl/', import.meta.url).pathname;
const bad = (name: string): string => join(badDir, name);
const MiB = 1024 * 1024;

/** One line, kind input, naming the file. */
function expectOneLineError(file: string, pattern: RegExp): GwscaleError {
  const error = errorOf(() => readWsdlFile(file, { strict: true }));
  expect(error.kind).toBe('input');
  expect(error.message.startsWith(`${file}: `)).toBe(true);
  expect(error.message).not.toMatch(/\n/);
  expect(error.message).toMatch(pattern);
  return error;
}

const tmp = tempDir('gwscale-bad-wsdl-');

describe('broken documents', () => {
  const cases: [string, RegExp][] = [
    ['not-xml.wsdl', /is not XML \(line 1, column 1/],
    ['truncated.wsdl', /ends before <wsdl:definitions>, <wsdl:portType>, <wsdl:operation> are closed \(truncated\?\)/],
    ['wrong-root.wsdl', /root element is <xsd:schema> in namespace http:\/\/www\.w3\.org\/2001\/XMLSchema, not a WSDL/],
    ['no-service.wsdl', /defines no service/],
    ['no-endpoint.wsdl', /service QuoteService has no endpoint/],
    ['no-binding.wsdl', /service QuoteService port QuotePort names binding QuoteBinding, which the document does not define/],
    ['no-address.wsdl', /service QuoteService port QuotePort has no address/],
    ['missing-porttype.wsdl', /binding QuoteBinding names portType QuotePT, which the document does not define/],
    ['duplicate-service.wsdl', /defines service QuoteService twice/],
    ['latin1-undeclared.wsdl', /is not valid UTF-8, and its <\?xml \?> declaration names no other encoding/],
    ['unknown-encoding.wsdl', /declares encoding "x-klingon-8", which gwscale cannot decode/],
  ];
  for (const [name, pattern] of cases) {
    it(name, () => {
      expectOneLineError(bad(name), pattern);
    });
  }

  it('an empty file', () => {
    const file = join(tmp, 'empty.wsdl');
    writeFileSync(file, '');
    expectOneLineError(file, /is empty/);
  });

  it('binary garbage, with control characters escaped in the message', () => {
    const file = join(tmp, 'garbage.wsdl');
    writeFileSync(file, Buffer.from([0x00, 0x01, 0x1b, 0x5b, 0x32, 0x4a, 0xff]));
    const error = expectOneLineError(file, /is not/);
    expect([...error.message].filter((c) => c.charCodeAt(0) < 0x20)).toEqual([]);
  });

  it('elements nested 90,000 deep', () => {
    const file = join(tmp, 'deep.wsdl');
    writeFileSync(file, `<definitions xmlns="http://schemas.xmlsoap.org/wsdl/">${'<a>'.repeat(90_000)}${'</a>'.repeat(90_000)}</definitions>`);
    expectOneLineError(file, /nests elements deeper than 100 levels/);
  });
});

describe('external entities (XXE) are never read or fetched', () => {
  let server: Server;
  let hits = 0;
  let hitUrl = '';
  beforeAll(async () => {
    server = createServer((request, response) => {
      hits++;
      response.end('<!ENTITY leaked "fetched">');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    hitUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/xxe`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('refuses the DOCTYPE: no hit on the loopback URL, canary absent from every output', () => {
    const canary = `CANARY-${randomBytes(8).toString('hex')}`;
    const canaryFile = join(tmp, 'canary.txt');
    writeFileSync(canaryFile, canary);
    const text = readFileSync(bad('xxe.wsdl'), 'utf8').replaceAll('CANARY_PATH', canaryFile).replaceAll('HIT_URL', hitUrl);
    const file = join(tmp, 'xxe.wsdl');
    writeFileSync(file, text);

    const viaFile = expectOneLineError(file, /has a DOCTYPE declaration, which gwscale refuses/);
    const viaText = errorOf(() => parseWsdl(text, 'xxe.wsdl'));
    const viaTemplate = errorOf(() => compileTemplate(text, 'xxe.wsdl'));
    for (const error of [viaFile, viaText, viaTemplate]) {
      expect(`${error.message} ${error.hint ?? ''}`).not.toContain(canary);
      expect(error.kind).toBe('input');
    }
    expect(hits).toBe(0);
  });

  it('the test server really counts hits (so zero above means something)', async () => {
    const before = hits;
    await fetch(hitUrl);
    expect(hits).toBe(before + 1);
  });
});

describe('entity expansion ("billion laughs")', () => {
  it('is refused before any expansion, in bounded memory', () => {
    const heapBefore = process.memoryUsage().heapUsed;
    expectOneLineError(bad('billion-laughs.wsdl'), /has a DOCTYPE declaration/);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(50 * MiB);
  });

  it('even without a DOCTYPE, an entity reference cannot name anything', () => {
    const error = errorOf(() => parseWsdl('<definitions xmlns="http://schemas.xmlsoap.org/wsdl/">&lol9;</definitions>', 'lol.wsdl'));
    expect(error.message).toBe('lol.wsdl: uses the undefined entity &lol9;');
  });
});

describe('oversized documents', () => {
  it('a 50 MiB file is refused by its size before it is read', () => {
    const file = join(tmp, 'huge.wsdl');
    const fd = openSync(file, 'w');
    try {
      const head = '<?xml version="1.0"?><definitions xmlns="http://schemas.xmlsoap.org/wsdl/" targetNamespace="urn:huge"><documentation>';
      writeSync(fd, head);
      const chunk = Buffer.alloc(MiB, 'x');
      for (let i = 0; i < 50; i++) writeSync(fd, chunk);
      writeSync(fd, '</documentation></definitions>');
    } finally {
      closeSync(fd);
    }
    const rssBefore = process.memoryUsage().rss;
    expectOneLineError(file, /is 50\.00 MiB, over the 20\.00 MiB limit for a WSDL document/);
    // Refused from stat: the 50 MiB never entered memory.
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(40 * MiB);
  });

  it('the limit is configurable, and applies to text and bytes too', () => {
    const text = readFileSync(bad('remote-import.wsdl'), 'utf8');
    expect(errorOf(() => parseWsdl(text, 'r.wsdl', { maxDocumentBytes: 100 })).message).toMatch(/^r\.wsdl: is 1\.\d KiB, over the 100 B limit/);
    expect(errorOf(() => parseWsdl(Buffer.from(text), 'r.wsdl', { maxDocumentBytes: 100 })).message).toMatch(/over the 100 B limit/);
    expect(parseWsdl(text, 'r.wsdl', { maxDocumentBytes: DEFAULT_MAX_WSDL_BYTES }).services).toHaveLength(1);
  });
});

describe('large documents within the size limit stay within bounds', () => {
  it('a padded real WSDL (> 256 KiB, parsed from its skeleton) gives the same model, and still works as a template', () => {
    const original = readFileSync(new URL('../fixtures/wsdl/asmx-weather-1.1.wsdl', import.meta.url), 'utf8');
    const padding = `<!-- ${'c'.repeat(100_000)} --><wsdl:documentation>${'t &amp; '.repeat(40_000)}<![CDATA[${'<x>'.repeat(1000)}]]></wsdl:documentation>`;
    const padded = original.replace('<wsdl:types>', `${padding}<wsdl:types>`).replace('</wsdl:service>', `${padding}</wsdl:service>`);
    expect(padded.length).toBeGreaterThan(600 * 1024);
    expect(parseWsdl(padded, 'a.wsdl')).toEqual(parseWsdl(original, 'a.wsdl'));
    // Template compilation rewrites attributes at their offsets in the original text.
    const template = compileTemplate(padded, 'padded.wsdl');
    expect(template.endpoints.map((e) => e.suffix)).toEqual(['', '/soap12', '/http']);
  });

  it('an undefined entity in a long text run is still refused', () => {
    const text = `<definitions xmlns="http://schemas.xmlsoap.org/wsdl/"><documentation>${'x'.repeat(300_000)}&lol;</documentation></definitions>`;
    expect(errorOf(() => parseWsdl(text, 'big.wsdl')).message).toBe('big.wsdl: uses the undefined entity &lol;');
  });

  it('too many tags, too many attributes, or one huge tag: refused from a count, before parsing', () => {
    const wrap = (body: string): string => `<definitions xmlns="http://schemas.xmlsoap.org/wsdl/">${body}</definitions>`;
    expect(errorOf(() => parseWsdl(wrap('<a/>'.repeat(200_000)), 'tags.wsdl')).message).toBe(
      'tags.wsdl: holds 200,002 tags, more than the 200,000 gwscale reads',
    );
    expect(errorOf(() => parseWsdl(wrap('<a b="1" c="2" d="3"/>'.repeat(160_000)), 'attrs.wsdl')).message).toMatch(
      /^attrs\.wsdl: holds 640,003 tags and attributes, more than the 600,000/,
    );
    expect(errorOf(() => parseWsdl(`<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" a="${'x'.repeat(300_000)}"/>`, 'tag.wsdl')).message).toBe(
      'tag.wsdl: has a tag or processing instruction at character 0 longer than 64 KiB',
    );
  });

  it('worst cases just under the 20 MiB limit, each in a fresh process: one line each, peak RSS under 300 MB', () => {
    const head = '<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" targetNamespace="urn:x"><types><schema xmlns="http://www.w3.org/2001/XMLSchema">';
    const tail = '</schema></types></definitions>';
    const docs: [string, string, string][] = [
      ['text.wsdl', head + '<annotation><documentation>' + 'x'.repeat(19.5 * MiB) + '</documentation></annotation>' + tail, 'defines no service'],
      ['elements.wsdl', head + '<element name="e" type="string"/>'.repeat(199_990) + tail, 'defines no service'],
      ['long-values.wsdl', head + ('<element name="' + 'n'.repeat(90) + '"/>').repeat(190_000) + tail, 'defines no service'],
      [
        'attribute.wsdl',
        '<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" targetNamespace="' + 'x'.repeat(19.5 * MiB) + '"/>',
        'has a tag or processing instruction at character 0 longer than 64 KiB',
      ],
    ];
    const script = `
      import { checkWsdlFiles } from ${JSON.stringify(new URL('../dist/wsdl/index.js', import.meta.url).href)};
      const [result] = checkWsdlFiles([process.argv[1]]);
      process.stdout.write(JSON.stringify({ line: result.state === 'error' ? result.message : 'accepted', maxRssKiB: process.resourceUsage().maxRSS }));
    `;
    for (const [name, text, expected] of docs) {
      const file = join(tmp, name);
      writeFileSync(file, text);
      expect(text.length).toBeLessThan(DEFAULT_MAX_WSDL_BYTES);
      const child = spawnSync(process.execPath, ['--input-type=module', '-e', script, file], { encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL' });
      expect(child.error).toBeUndefined();
      expect(child.status).toBe(0);
      const { line, maxRssKiB } = JSON.parse(child.stdout) as { line: string; maxRssKiB: number };
      expect(line).toBe(`${file}: ${expected}`);
      expect(maxRssKiB * 1024, name).toBeLessThan(300 * 1000 * 1000);
      rmSync(file);
    }
  });
});

describe('non-UTF-8 encodings decode to the same names', () => {
  for (const name of ['latin1.wsdl', 'utf16-bom.wsdl']) {
    it(name, () => {
      const doc = readWsdlFile(bad(name));
      expect(doc.targetNamespace).toBe('urn:météo');
      expect(doc.services.map((s) => s.name)).toEqual(['MétéoService']);
      expect(doc.services[0]?.endpoints[0]?.address).toBe('http://127.0.0.1:8080/météo');
    });
  }

  it('UTF-16 big-endian without a BOM', () => {
    const le = readFileSync(bad('utf16-bom.wsdl')).subarray(2);
    const be = Buffer.from(le).swap16();
    expect(parseWsdl(be, 'be.wsdl').services[0]?.name).toBe('MétéoService');
  });
});

describe('a port without an address', () => {
  it('is read with a warning naming the line, and refused with --strict', () => {
    const doc = readWsdlFile(bad('no-address.wsdl'));
    expect(doc.services[0]?.endpoints).toEqual([{ name: 'QuotePort', bindingName: 'QuoteBinding', address: '' }]);
    expect(doc.warnings).toEqual([
      {
        file: bad('no-address.wsdl'),
        line: 10,
        message: 'service QuoteService port QuotePort has no address; assumed none (as a template, gwscale writes one)',
      },
    ]);
  });

  it('as a template, gets an address in every copy (1.1 self-closing port, 2.0 endpoint)', () => {
    const values = { serviceName: 'Svc7', targetNamespace: 'urn:gen:Svc7', endpointBase: 'http://127.0.0.1:9' };
    const copy11 = parseWsdl(renderTemplate(compileTemplate(readFileSync(bad('no-address.wsdl')), bad('no-address.wsdl')), values), 'copy.wsdl');
    expect(copy11.services[0]?.endpoints).toEqual([{ name: 'QuotePort', bindingName: 'QuoteBinding', address: 'http://127.0.0.1:9/Svc7' }]);
    expect(copy11.warnings).toEqual([]);
    const text20 =
      '<description xmlns="http://www.w3.org/ns/wsdl" xmlns:tns="urn:q" targetNamespace="urn:q"><interface name="I"><operation name="Op"/></interface><binding name="B" interface="tns:I" type="http://www.w3.org/ns/wsdl/soap"/><service name="S" interface="tns:I"><endpoint name="E" binding="tns:B"/></service></description>';
    const copy20 = parseWsdl(renderTemplate(compileTemplate(text20, 'two.wsdl'), values), 'copy.wsdl');
    expect(copy20.services[0]?.endpoints).toEqual([{ name: 'E', bindingName: 'B', address: 'http://127.0.0.1:9/Svc7' }]);
  });
});

describe('imports off loopback', () => {
  it('are recorded as references and never followed', () => {
    const doc = readWsdlFile(bad('remote-import.wsdl'));
    expect(doc.references).toEqual([
      { kind: 'wsdl-import', namespace: 'urn:quote:abstract', location: 'http://wsdl.example.com/quote-abstract.wsdl', followed: null },
      { kind: 'schema-import', namespace: 'urn:quote:types', location: 'https://schemas.example.org/quote-types.xsd', followed: null },
    ]);
    expect(doc.warnings.map((w) => `${w.line}: ${w.message}`)).toEqual([
      '8: wsdl-import location http://wsdl.example.com/quote-abstract.wsdl is remote (gwscale never fetches); not read',
      '11: schema-import location https://schemas.example.org/quote-types.xsd is remote (gwscale never fetches); not read',
    ]);
    // The portType lives in the imported document: the binding keeps its name, with nothing fetched.
    expect(doc.bindings[0]).toMatchObject({ name: 'QuoteBinding', interfaceName: 'QuotePortType', protocol: 'soap11' });
    expect(doc.interfaces).toEqual([]);
  });
});

describe('the whole corpus in a fresh process', () => {
  it('gives one error line per bad file, each within bounds, and peak RSS stays under 300 MB', () => {
    const files = readdirSync(badDir)
      .filter((n) => n.endsWith('.wsdl'))
      .map((n) => join(badDir, n));
    const script = `
      import { checkWsdlFiles } from ${JSON.stringify(new URL('../dist/wsdl/index.js', import.meta.url).href)};
      const files = JSON.parse(process.argv[1]);
      const results = files.map((file) => {
        const started = performance.now();
        const [result] = checkWsdlFiles([file]);
        return { file, state: result.state, message: result.state === 'error' ? result.message : null, ms: performance.now() - started };
      });
      process.stdout.write(JSON.stringify({ results, maxRssKiB: process.resourceUsage().maxRSS }));
    `;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(files)], {
      encoding: 'utf8',
      timeout: 60_000,
      killSignal: 'SIGKILL',
    });
    expect(child.error).toBeUndefined();
    expect(child.status).toBe(0);
    const { results, maxRssKiB } = JSON.parse(child.stdout) as {
      results: { file: string; state: string; message: string | null; ms: number }[];
      maxRssKiB: number;
    };
    // A port without an address is read with a warning (it still makes a template); the rest as before.
    const expectedOk = new Set(['latin1.wsdl', 'utf16-bom.wsdl', 'remote-import.wsdl', 'no-address.wsdl'].map((n) => join(badDir, n)));
    expect(results).toHaveLength(files.length);
    for (const result of results) {
      if (expectedOk.has(result.file)) {
        expect(result.state, result.file).toBe('ok');
        continue;
      }
      expect(result.state, result.file).toBe('error');
      expect(result.message?.startsWith(`${result.file}: `), result.file).toBe(true);
      expect(result.message, result.file).not.toMatch(/\n/);
    }
    expect(maxRssKiB * 1024).toBeLessThan(300 * 1000 * 1000);
  });
});
