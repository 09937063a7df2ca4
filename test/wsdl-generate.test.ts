import { readFileSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  builtinTemplateDir,
  builtinTemplates,
  createServiceGenerator,
  generateService,
  generateServices,
  loadTemplates,
  parseWsdl,
  readWsdlFile,
} from '../src/wsdl/index.js';
import { tempDir } from './helpers/temp-dir.js';
import { errorOf } from './helpers/errors.js';

const base = 'http://127.0.0.1:9000';
const fixtures = new URL('../fixtures/wsdl/', import.meta.url).pathname;

const tmp = tempDir('gwscale-wsdl-gen-');

describe('built-in templates', () => {
  it('are valid WSDLs as they stand: 1.1 with SOAP 1.1 + 1.2 ports, 2.0 with two endpoints, 4 operations each', () => {
    const v11 = readWsdlFile(join(builtinTemplateDir, 'order-service-1.1.wsdl'));
    const v20 = readWsdlFile(join(builtinTemplateDir, 'order-service-2.0.wsdl'));
    expect(v11.version).toBe('1.1');
    expect(v11.bindings.map((b) => b.protocol)).toEqual(['soap11', 'soap12']);
    expect(v11.services[0]?.endpoints).toHaveLength(2);
    expect(v20.version).toBe('2.0');
    expect(v20.bindings.map((b) => b.protocol)).toEqual(['soap11', 'soap12']);
    expect(v20.services[0]?.endpoints).toHaveLength(2);
    for (const doc of [v11, v20]) {
      expect(doc.interfaces[0]?.operations.map((o) => [o.name, o.pattern])).toEqual([
        ['GetQuote', 'in-out'],
        ['PlaceOrder', 'in-out'],
        ['CancelOrder', 'in-only'],
        ['GetStatus', 'in-out'],
      ]);
      expect(doc.references).toEqual([]);
    }
  });

  it('load as one set holding both versions', () => {
    expect(builtinTemplates().templates.map((t) => t.version)).toEqual(['1.1', '2.0']);
  });
});

describe('generateServices', () => {
  it('is deterministic: same seed → byte-identical documents; another seed → other names', () => {
    const a = generateServices({ count: 50, version: 'mixed', seed: 42, endpointBase: base });
    const b = generateServices({ count: 50, version: 'mixed', seed: 42, endpointBase: base });
    const c = generateServices({ count: 50, version: 'mixed', seed: 43, endpointBase: base });
    expect(b).toEqual(a);
    expect(b.map((s) => s.wsdlText).join('')).toBe(a.map((s) => s.wsdlText).join(''));
    expect(c.filter((s, i) => s.serviceName === a[i]?.serviceName)).toEqual([]);
  });

  it('1,000 services have 1,000 distinct names, namespaces, groups and file names', () => {
    const specs = generateServices({ count: 1000, version: 'mixed', seed: 1, endpointBase: base });
    const docs = specs.map((s) => parseWsdl(s.wsdlText, s.fileName));
    expect(new Set(specs.map((s) => s.serviceName)).size).toBe(1000);
    expect(new Set(docs.map((d) => d.targetNamespace)).size).toBe(1000);
    expect(new Set(specs.map((s) => s.group)).size).toBe(1000);
    expect(new Set(specs.map((s) => s.fileName)).size).toBe(1000);
    expect(specs[42]).toMatchObject({ index: 42, group: 'group-00042', fileName: 'svc-00042.wsdl' });
    expect(specs[42]?.serviceName).toMatch(/^Svc00042_[0-9a-f]{6}$/);
  });

  it('every generated document parses back with the expected operations and addresses', () => {
    const specs = generateServices({ count: 200, version: 'mixed', seed: 9, endpointBase: base + '/' });
    for (const spec of specs) {
      const doc = parseWsdl(spec.wsdlText, spec.fileName);
      expect(doc.version).toBe(spec.version);
      expect(doc.services.map((s) => s.name)).toEqual([spec.serviceName]);
      expect(doc.targetNamespace).toBe(`http://gwscale.test/ws/${spec.serviceName}`);
      expect(doc.services[0]?.endpoints.map((e) => e.address)).toEqual([`${base}/${spec.serviceName}`, `${base}/${spec.serviceName}/soap12`]);
      expect(doc.interfaces[0]?.operations.map((o) => o.name)).toEqual(['GetQuote', 'PlaceOrder', 'CancelOrder', 'GetStatus']);
      expect(doc.interfaces[0]?.operations[0]?.inputElement).toBe(`{${doc.targetNamespace}}GetQuote`);
      expect(doc.bindings[0]?.operations[0]?.soapAction).toBe(`${doc.targetNamespace}/GetQuote`);
    }
  });

  it('mixed alternates 1.1 and 2.0 by index; 1.1 and 2.0 give only their version', () => {
    expect(generateServices({ count: 6, version: 'mixed', seed: 1, endpointBase: base }).map((s) => s.version)).toEqual([
      '1.1',
      '2.0',
      '1.1',
      '2.0',
      '1.1',
      '2.0',
    ]);
    expect(new Set(generateServices({ count: 5, version: '2.0', seed: 1, endpointBase: base }).map((s) => s.version))).toEqual(new Set(['2.0']));
    expect(new Set(generateServices({ count: 5, version: '1.1', seed: 1, endpointBase: base }).map((s) => s.version))).toEqual(new Set(['1.1']));
  });

  it('generateService(index) and startIndex give the same service as the full list (lazy generation)', () => {
    const all = generateServices({ count: 30, version: 'mixed', seed: 5, endpointBase: base });
    const later = generateServices({ count: 10, startIndex: 20, version: 'mixed', seed: 5, endpointBase: base });
    expect(later).toEqual(all.slice(20));
    expect(generateService(17, { version: 'mixed', seed: 5, endpointBase: base })).toEqual(all[17]);
    const generate = createServiceGenerator({ version: 'mixed', seed: 5, endpointBase: base });
    expect(generate(3)).toEqual(all[3]);
  });

  it('escapes an endpoint base that needs it in XML', () => {
    const [spec] = generateServices({ count: 1, version: '1.1', seed: 1, endpointBase: 'http://127.0.0.1:9000/a&b' });
    expect(spec?.wsdlText).toContain('location="http://127.0.0.1:9000/a&amp;b/');
    expect(parseWsdl(spec!.wsdlText, 'x').services[0]?.endpoints[0]?.address).toBe(`http://127.0.0.1:9000/a&b/${spec!.serviceName}`);
  });

  it('refuses bad options with usage errors', () => {
    expect(errorOf(() => generateServices({ count: 1, version: '1.1', seed: 1, endpointBase: 'ftp://x' })).message).toMatch(
      /^--endpoint-base: got "ftp:\/\/x"/,
    );
    expect(errorOf(() => generateServices({ count: 1, version: '1.1', seed: 1, endpointBase: 'not a url' })).kind).toBe('usage');
    expect(errorOf(() => generateServices({ count: -1, version: '1.1', seed: 1, endpointBase: base })).message).toMatch(/^--count/);
    expect(errorOf(() => generateServices({ count: 1, version: '1.1', seed: 1.5, endpointBase: base })).message).toMatch(/^--seed/);
    expect(errorOf(() => generateServices({ count: 1, version: '3.0' as '1.1', seed: 1, endpointBase: base })).message).toMatch(/^--version/);
  });
});

describe('user templates (--wsdl DIR)', () => {
  it('rewrite service names, namespace (and the prefixes bound to it) and addresses of every WSDL in the folder', () => {
    const set = loadTemplates(fixtures);
    expect(set.templates.map((t) => t.source.split('/').pop())).toEqual([
      'asmx-weather-1.1.wsdl',
      'axis1-rpc-1.1.wsdl',
      'hotel-reservation-2.0.wsdl',
      'stock-quote-imported-schema-1.1.wsdl',
    ]);
    const specs = generateServices({ count: 8, version: 'mixed', seed: 3, endpointBase: base, templates: set });
    expect(specs.map((s) => s.version)).toEqual(['1.1', '2.0', '1.1', '2.0', '1.1', '2.0', '1.1', '2.0']);

    const asmx = parseWsdl(specs[0]!.wsdlText, 'asmx');
    const name = specs[0]!.serviceName;
    // tempuri.org/ ends in a slash: the generated namespace keeps it, SOAPActions follow.
    expect(asmx.targetNamespace).toBe(`http://gwscale.test/ws/${name}/`);
    expect(asmx.bindings[0]?.operations[0]?.soapAction).toBe(`http://gwscale.test/ws/${name}/GetWeather`);
    expect(asmx.interfaces[0]?.operations[0]?.inputElement).toBe(`{http://gwscale.test/ws/${name}/}GetWeather`);
    expect(asmx.services[0]?.endpoints.map((e) => e.address)).toEqual([`${base}/${name}`, `${base}/${name}/soap12`, `${base}/${name}/http`]);
    expect(specs[0]!.wsdlText).not.toContain('tempuri.org');

    // Two services in one template: the second is suffixed, all addresses under the spec's name.
    const hotel = parseWsdl(specs[1]!.wsdlText, 'hotel');
    const hotelName = specs[1]!.serviceName;
    expect(hotel.services.map((s) => s.name)).toEqual([hotelName, `${hotelName}_2`]);
    expect(hotel.services.flatMap((s) => s.endpoints.map((e) => e.address))).toEqual([
      `${base}/${hotelName}`,
      `${base}/${hotelName}/soap11`,
      `${base}/${hotelName}/http`,
    ]);

    // The import location is left as it was; the default-namespace template still resolves.
    const stock = parseWsdl(specs[4]!.wsdlText, 'stock');
    expect(stock.references[0]?.location).toBe('stock-quote-types.xsd');
    expect(stock.services[0]?.name).toBe(specs[4]!.serviceName);
    expect(stock.targetNamespace).toBe(`http://gwscale.test/ws/${specs[4]!.serviceName}`);
  });

  it('re-encode non-UTF-8 templates as UTF-8', () => {
    const dir = join(tmp, 'latin1');
    mkdirSync(dir);
    copyFileSync(new URL('../fixtures/bad-wsdl/latin1.wsdl', import.meta.url).pathname, join(dir, 'latin1.wsdl'));
    const [spec] = generateServices({ count: 1, version: '1.1', seed: 1, endpointBase: base, templates: loadTemplates(dir) });
    expect(spec?.wsdlText.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
    expect(parseWsdl(Buffer.from(spec!.wsdlText, 'utf8'), 'x').services[0]?.endpoints[0]?.address).toBe(`${base}/${spec!.serviceName}`);
  });

  it('errors name the folder or the file', () => {
    const empty = join(tmp, 'empty');
    mkdirSync(empty);
    expect(errorOf(() => loadTemplates(empty)).message).toBe(`${empty}: holds no *.wsdl files to use as templates`);
    expect(errorOf(() => loadTemplates(join(tmp, 'missing'))).message).toMatch(/missing: cannot read the template folder/);
    const broken = join(tmp, 'broken');
    mkdirSync(broken);
    writeFileSync(join(broken, 'svc.wsdl'), readFileSync(new URL('../fixtures/bad-wsdl/missing-porttype.wsdl', import.meta.url)));
    expect(errorOf(() => loadTemplates(broken)).message).toBe(
      `${join(broken, 'svc.wsdl')}: binding QuoteBinding names portType QuotePT, which the document does not define`,
    );
    const only20 = join(tmp, 'only20');
    mkdirSync(only20);
    copyFileSync(join(fixtures, 'hotel-reservation-2.0.wsdl'), join(only20, 'hotel.wsdl'));
    expect(errorOf(() => generateServices({ count: 1, version: '1.1', seed: 1, endpointBase: base, templates: loadTemplates(only20) })).message).toMatch(
      /--version 1\.1: the templates in .*only20 hold no WSDL 1\.1 document/,
    );
  });
});
