import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseWsdl, readWsdlFile, type WsdlDocument } from '../src/wsdl/index.js';
import { errorOf } from './helpers/errors.js';

const fixture = (name: string): string => new URL(`../fixtures/wsdl/${name}`, import.meta.url).pathname;

const endpointsOf = (doc: WsdlDocument): [string, string, string][] =>
  doc.services.flatMap((s) => s.endpoints.map((e): [string, string, string] => [s.name, e.name, e.address]));

describe('WSDL 1.1, .NET ASMX shape (three ports: SOAP 1.1, SOAP 1.2, HTTP GET)', () => {
  const doc = readWsdlFile(fixture('asmx-weather-1.1.wsdl'));

  it('reads version, namespace and all ports with their addresses', () => {
    expect(doc.version).toBe('1.1');
    expect(doc.targetNamespace).toBe('http://tempuri.org/');
    expect(endpointsOf(doc)).toEqual([
      ['GlobalWeather', 'GlobalWeatherSoap', 'http://127.0.0.1:8080/globalweather.asmx'],
      ['GlobalWeather', 'GlobalWeatherSoap12', 'http://127.0.0.1:8080/globalweather.asmx'],
      ['GlobalWeather', 'GlobalWeatherHttpGet', 'http://127.0.0.1:8080/globalweather.asmx'],
    ]);
  });

  it('tells SOAP 1.1, SOAP 1.2 and HTTP bindings apart by namespace, with SOAPActions', () => {
    expect(doc.bindings.map((b) => [b.name, b.protocol, b.interfaceName])).toEqual([
      ['GlobalWeatherSoap', 'soap11', 'GlobalWeatherSoap'],
      ['GlobalWeatherSoap12', 'soap12', 'GlobalWeatherSoap'],
      ['GlobalWeatherHttpGet', 'http', 'GlobalWeatherHttpGet'],
    ]);
    expect(doc.bindings[1]?.operations).toEqual([
      { name: 'GetWeather', soapAction: 'http://tempuri.org/GetWeather' },
      { name: 'GetCitiesByCountry', soapAction: 'http://tempuri.org/GetCitiesByCountry' },
    ]);
    expect(doc.bindings[2]?.operations).toEqual([{ name: 'GetWeather', soapAction: null }]);
  });

  it('resolves input/output elements through messages to qualified names', () => {
    expect(doc.interfaces[0]?.operations[0]).toEqual({
      name: 'GetWeather',
      pattern: 'in-out',
      inputElement: '{http://tempuri.org/}GetWeather',
      outputElement: '{http://tempuri.org/}GetWeatherResponse',
    });
    // HTTP GET input parts are typed, not elements.
    expect(doc.interfaces[1]?.operations[0]?.inputElement).toBeNull();
    expect(doc.interfaces[1]?.operations[0]?.outputElement).toBe('{http://tempuri.org/}string');
  });
});

describe('WSDL 1.1 with WSDL as default namespace, odd prefixes and an imported schema', () => {
  const doc = readWsdlFile(fixture('stock-quote-imported-schema-1.1.wsdl'));

  it('resolves by namespace URI, not prefix (s11:, s12:, x:, default namespace)', () => {
    expect(doc.name).toBe('StockQuote');
    expect(doc.bindings.map((b) => b.protocol)).toEqual(['soap11', 'soap12']);
    expect(endpointsOf(doc)).toEqual([
      ['StockQuoteService', 'StockQuotePort', 'http://127.0.0.1:8080/stockquote'],
      ['StockQuoteService', 'StockQuotePort12', 'http://127.0.0.1:8080/stockquote12'],
    ]);
  });

  it('maps request-response to in-out and one-way to in-only, elements in the types namespace', () => {
    expect(doc.interfaces[0]?.operations).toEqual([
      {
        name: 'GetLastTradePrice',
        pattern: 'in-out',
        inputElement: '{http://example.com/stockquote/schemas}TradePriceRequest',
        outputElement: '{http://example.com/stockquote/schemas}TradePrice',
      },
      { name: 'SubscribePriceAlert', pattern: 'in-only', inputElement: '{http://example.com/stockquote/schemas}PriceAlert', outputElement: null },
    ]);
  });

  it('follows the xsd:import of the schema beside it', () => {
    expect(doc.references).toEqual([
      {
        kind: 'schema-import',
        namespace: 'http://example.com/stockquote/schemas',
        location: 'stock-quote-types.xsd',
        followed: join(dirname(doc.source), 'stock-quote-types.xsd'),
      },
    ]);
    expect(doc.warnings).toEqual([]);
  });
});

describe('WSDL 1.1, Axis 1 rpc/encoded shape', () => {
  it('has operations without elements and empty SOAPActions', () => {
    const doc = readWsdlFile(fixture('axis1-rpc-1.1.wsdl'));
    expect(doc.interfaces[0]?.operations.map((o) => [o.name, o.pattern, o.inputElement])).toEqual([
      ['add', 'in-out', null],
      ['reset', 'in-only', null],
    ]);
    expect(doc.bindings[0]?.operations.map((o) => o.soapAction)).toEqual(['', '']);
  });
});

describe('WSDL 2.0, hotel reservation shape (wsdl2: prefix, several endpoints and services)', () => {
  const doc = readWsdlFile(fixture('hotel-reservation-2.0.wsdl'));

  it('reads every endpoint of every service with its address', () => {
    expect(doc.version).toBe('2.0');
    expect(doc.name).toBeNull();
    expect(endpointsOf(doc)).toEqual([
      ['reservationService', 'reservationEndpoint', 'http://127.0.0.1:8080/2004/reservation'],
      ['reservationService', 'reservationSoap11Endpoint', 'http://127.0.0.1:8080/2004/reservation11'],
      ['availabilityService', 'availabilityHttpEndpoint', 'http://127.0.0.1:8080/2004/availability/'],
    ]);
  });

  it('reads binding protocol from type and wsoap:version (default 1.2), and wsoap:action', () => {
    expect(doc.bindings.map((b) => [b.name, b.protocol])).toEqual([
      ['reservationSOAP12Binding', 'soap12'],
      ['reservationSOAP11Binding', 'soap11'],
      ['availabilityHTTPBinding', 'http'],
    ]);
    expect(doc.bindings[0]?.operations).toEqual([
      { name: 'opCheckAvailability', soapAction: null },
      { name: 'opMakeReservation', soapAction: 'http://greath.example.com/2004/wsdl/resSvc/makeReservation' },
      { name: 'opCancelReservation', soapAction: 'http://greath.example.com/2004/wsdl/resSvc/cancelReservation' },
    ]);
  });

  it('reads pattern URIs (absent = in-out), #any/#none as no element, and inherited operations', () => {
    const reservation = doc.interfaces.find((i) => i.name === 'reservationInterface');
    expect(reservation?.operations.map((o) => [o.name, o.pattern, o.inputElement])).toEqual([
      ['opMakeReservation', 'in-out', '{http://greath.example.com/2004/schemas/resSvc}makeReservation'],
      ['opCancelReservation', 'robust-in-only', '{http://greath.example.com/2004/schemas/resSvc}cancelReservation'],
      ['opPing', 'in-out', null],
      ['opCheckAvailability', 'in-out', '{http://greath.example.com/2004/schemas/resSvc}checkAvailability'],
    ]);
  });

  it('records the schema import, whose file is missing, with a warning', () => {
    expect(doc.references).toEqual([
      { kind: 'schema-import', namespace: 'http://greath.example.com/2004/schemas/common', location: 'common-types.xsd', followed: null },
    ]);
    expect(doc.warnings.map((w) => w.message)).toEqual(['schema-import location common-types.xsd names no readable file; not read']);
  });
});

describe('parseWsdl input forms', () => {
  it('gives the same model from text, UTF-8 bytes and bytes with a BOM', () => {
    const text = readFileSync(fixture('asmx-weather-1.1.wsdl'), 'utf8');
    const fromText = parseWsdl(text, 'a.wsdl');
    expect(parseWsdl(Buffer.from(text), 'a.wsdl')).toEqual(fromText);
    expect(parseWsdl(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]), 'a.wsdl')).toEqual(fromText);
    expect(parseWsdl('\uFEFF' + text, 'a.wsdl')).toEqual(fromText);
  });

  it('decodes character references and the five XML entities in attributes', () => {
    const doc = parseWsdl(
      `<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:tns="urn:q" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" targetNamespace="urn:q">
        <portType name="P"/><binding name="B" type="tns:P"><soap:binding/></binding>
        <service name="S&#x41;"><port name="E" binding="tns:B"><soap:address location="http://127.0.0.1/q?a=1&amp;b=2"/></port></service>
      </definitions>`,
      'entities.wsdl',
    );
    expect(endpointsOf(doc)).toEqual([['SA', 'E', 'http://127.0.0.1/q?a=1&b=2']]);
  });
});

describe('with strict, incomplete documents give one line naming the file and what is missing', () => {
  const skeleton = (body: string): string =>
    `<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:tns="urn:q" targetNamespace="urn:q">${body}</wsdl:definitions>`;
  const cases: [string, string, RegExp][] = [
    [
      'operation names a missing message',
      skeleton('<wsdl:portType name="P"><wsdl:operation name="Op"><wsdl:input message="tns:Nope"/></wsdl:operation></wsdl:portType>'),
      /svc\.wsdl: portType P operation Op input names message Nope, which the document does not define/,
    ],
    [
      'binding operation not in portType',
      skeleton('<wsdl:portType name="P"/><wsdl:binding name="B" type="tns:P"><wsdl:operation name="Ghost"/></wsdl:binding>'),
      /svc\.wsdl: binding B operation Ghost is not an operation of portType P/,
    ],
    [
      'binding reference in the wrong namespace',
      skeleton('<wsdl:portType name="P"/><wsdl:binding name="B" type="P"/>'),
      /svc\.wsdl: binding B names portType P in namespace \(none\) \(the document's targetNamespace is urn:q\), which the document does not define/,
    ],
    [
      'undeclared prefix in a reference',
      skeleton('<wsdl:portType name="P"/><wsdl:binding name="B" type="zz:P"/>'),
      /svc\.wsdl: binding B names portType zz:P, whose prefix is not declared/,
    ],
    ['service without a name', skeleton('<wsdl:service/>'), /svc\.wsdl: a service has no name attribute/],
    ['duplicate portType', skeleton('<wsdl:portType name="P"/><wsdl:portType name="P"/>'), /svc\.wsdl: defines portType P twice/],
    [
      'WSDL 2.0 binding without type',
      '<description xmlns="http://www.w3.org/ns/wsdl" targetNamespace="urn:q"><binding name="B"/></description>',
      /svc\.wsdl: binding B has no type attribute/,
    ],
    ['undeclared element prefix', '<w:definitions/>', /svc\.wsdl: element <w:definitions> uses prefix "w", which is not declared/],
  ];
  for (const [what, text, message] of cases) {
    it(what, () => {
      const error = errorOf(() => parseWsdl(text, 'svc.wsdl', { strict: true }));
      expect(error.kind).toBe('input');
      expect(error.message).toMatch(message);
      expect(error.message).not.toContain('\n');
    });
  }
});

describe('lenient by default: what SOAP stacks accept is read, each recovery a warning with its line', () => {
  const doc11 = (body: string, extraNs = ''): string =>
    `<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:tns="urn:q"${extraNs} targetNamespace="urn:q">\n${body}\n</wsdl:definitions>`;
  const soapNs = ' xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"';
  const port = '<wsdl:service name="S"><wsdl:port name="E" binding="tns:B"><soap:address location="http://127.0.0.1/s"/></wsdl:port></wsdl:service>';
  const portType =
    '<wsdl:message name="In"><wsdl:part name="p" element="tns:Req"/></wsdl:message><wsdl:portType name="P"><wsdl:operation name="Op"><wsdl:input message="tns:In"/></wsdl:operation></wsdl:portType>';
  const cases: [string, string, RegExp, (doc: WsdlDocument) => void][] = [
    [
      'an element prefix used but not declared (soap12:operation)',
      doc11(
        `${portType}<wsdl:binding name="B" type="tns:P"><soap12:binding transport="http://schemas.xmlsoap.org/soap/http"/><wsdl:operation name="Op"><soap12:operation soapAction="urn:op"/></wsdl:operation></wsdl:binding>${port}`,
        soapNs,
      ),
      /^prefix "soap12" \(of soap12:binding\) is not declared; assumed xmlns:soap12="http:\/\/schemas\.xmlsoap\.org\/wsdl\/soap12\/"$/,
      (doc) => expect(doc.bindings[0]).toMatchObject({ protocol: 'soap12', operations: [{ name: 'Op', soapAction: 'urn:op' }] }),
    ],
    [
      'an attribute prefix used but not declared (xmime:expectedContentTypes)',
      doc11(
        `<wsdl:types><xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema"><xsd:element name="Req" type="xsd:base64Binary" xmime:expectedContentTypes="image/png"/></xsd:schema></wsdl:types>${portType}<wsdl:binding name="B" type="tns:P"><soap:binding/></wsdl:binding>${port}`,
        soapNs,
      ),
      /^prefix "xmime" \(of xmime:expectedContentTypes\) is not declared; assumed xmlns:xmime="http:\/\/www\.w3\.org\/2005\/05\/xmlmime"$/,
      (doc) => expect(doc.interfaces[0]?.operations[0]?.inputElement).toBe('{urn:q}Req'),
    ],
    [
      'a reference whose prefix is not declared (wsdlns:P)',
      doc11(`${portType}<wsdl:binding name="B" type="wsdlns:P"><soap:binding/></wsdl:binding>${port}`, soapNs),
      /^binding B names portType wsdlns:P, whose prefix "wsdlns" is not declared; assumed the portType P defined in urn:q$/,
      (doc) => expect(doc.bindings[0]?.interfaceName).toBe('P'),
    ],
    [
      'a reference in another namespace than its definition',
      doc11(`${portType}<wsdl:binding name="B" type="P"><soap:binding/></wsdl:binding>${port}`, soapNs),
      /^binding B names portType \{\}P, defined only in namespace urn:q; assumed that one$/,
      (doc) => expect(doc.bindings[0]?.interfaceName).toBe('P'),
    ],
    [
      'a binding operation the portType does not have',
      doc11(
        `${portType}<wsdl:binding name="B" type="tns:P"><soap:binding/><wsdl:operation name="Op"/><wsdl:operation name="Ghost"/></wsdl:binding>${port}`,
        soapNs,
      ),
      /^binding B operation Ghost is not an operation of portType P; ignored it \(the portType's operations are used\)$/,
      (doc) => expect(doc.bindings[0]?.operations.map((o) => o.name)).toEqual(['Op']),
    ],
    [
      'a message named by an operation but not defined',
      doc11(
        `<wsdl:portType name="P"><wsdl:operation name="Op"><wsdl:input message="tns:Nope"/></wsdl:operation></wsdl:portType><wsdl:binding name="B" type="tns:P"><soap:binding/></wsdl:binding>${port}`,
        soapNs,
      ),
      /^portType P operation Op input names message Nope, which no document defines; assumed a message without an element$/,
      (doc) => expect(doc.interfaces[0]?.operations[0]).toMatchObject({ name: 'Op', inputElement: null }),
    ],
    [
      'a part element whose prefix is not declared',
      doc11(
        `<wsdl:message name="In"><wsdl:part name="p" element="s:Req"/></wsdl:message><wsdl:portType name="P"><wsdl:operation name="Op"><wsdl:input message="tns:In"/></wsdl:operation></wsdl:portType><wsdl:binding name="B" type="tns:P"><soap:binding/></wsdl:binding>${port}`,
        soapNs,
      ),
      /^message In part names element s:Req, whose prefix "s" is not declared; assumed element Req by its local name$/,
      (doc) => expect(doc.interfaces[0]?.operations[0]?.inputElement).toBe('Req'),
    ],
    [
      'an operation with neither input nor output',
      doc11(
        `<wsdl:portType name="P"><wsdl:operation name="Op"/></wsdl:portType><wsdl:binding name="B" type="tns:P"><soap:binding/></wsdl:binding>${port}`,
        soapNs,
      ),
      /^portType P operation Op has neither input nor output; assumed message pattern "other"$/,
      (doc) => expect(doc.interfaces[0]?.operations[0]?.pattern).toBe('other'),
    ],
    [
      'a soap:binding written in the WSDL (default) namespace',
      `<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:tns="urn:q"${soapNs} targetNamespace="urn:q">${portType.replaceAll('wsdl:', '')}<binding name="B" type="tns:P"><binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/><operation name="Op"><operation soapAction="urn:op"/></operation></binding>${port.replaceAll('wsdl:', '')}</definitions>`,
      /^binding B has <binding transport="…"> in namespace http:\/\/schemas\.xmlsoap\.org\/wsdl\/, not the SOAP binding namespace; assumed SOAP 1\.1$/,
      (doc) => expect(doc.bindings[0]).toMatchObject({ protocol: 'soap11', operations: [{ name: 'Op', soapAction: 'urn:op' }] }),
    ],
    [
      'a port without an address',
      doc11(
        `${portType}<wsdl:binding name="B" type="tns:P"><soap:binding/></wsdl:binding><wsdl:service name="S"><wsdl:port name="E" binding="tns:B"/></wsdl:service>`,
        soapNs,
      ),
      /^service S port E has no address; assumed none \(as a template, gwscale writes one\)$/,
      (doc) => expect(doc.services[0]?.endpoints[0]?.address).toBe(''),
    ],
    [
      'a WSDL 2.0 endpoint without an address and a binding operation its interface lacks',
      `<description xmlns="http://www.w3.org/ns/wsdl" xmlns:tns="urn:q" targetNamespace="urn:q"><interface name="I"><operation name="Op"/></interface><binding name="B" interface="tns:I" type="http://www.w3.org/ns/wsdl/soap"><operation ref="tns:Op"/><operation ref="tns:Ghost"/></binding><service name="S" interface="tns:I"><endpoint name="E" binding="tns:B"/></service></description>`,
      /^(binding B operation Ghost is not an operation of interface I; ignored it \(the interface's operations are used\)|service S endpoint E has no address; assumed none \(as a template, gwscale writes one\))$/,
      (doc) => expect(doc.services[0]?.endpoints[0]?.address).toBe(''),
    ],
  ];
  for (const [what, text, warning, check] of cases) {
    it(what, () => {
      const doc = parseWsdl(text, 'svc.wsdl');
      expect(doc.warnings.length).toBeGreaterThan(0);
      for (const w of doc.warnings) {
        expect(w.file).toBe('svc.wsdl');
        expect(w.line).toBeGreaterThan(0);
        expect(w.message).toMatch(warning);
      }
      check(doc);
      const strict = errorOf(() => parseWsdl(text, 'svc.wsdl', { strict: true }));
      expect(strict.message.startsWith('svc.wsdl: ')).toBe(true);
    });
  }

  it('warnings carry the line of the element concerned', () => {
    const text = doc11(`${portType}\n\n<wsdl:binding name="B" type="tns:P"><soap:binding/><wsdl:operation name="Ghost"/></wsdl:binding>${port}`, soapNs);
    expect(parseWsdl(text, 'svc.wsdl').warnings.map((w) => w.line)).toEqual([4]);
  });
});
