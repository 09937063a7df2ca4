import { readFileSync } from 'node:fs';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTraffic, type TrafficOptions } from '../src/api/traffic.js';
import { GwscaleError } from '../src/errors.js';
import { sampleContent } from '../src/traffic/sample-values.js';
import { buildEnvelope, soapHeaders } from '../src/soap/envelope.js';
import { soapMessageFor } from '../src/traffic/wsdl-message.js';
import { parseWsdl } from '../src/wsdl/index.js';
import { startServer, type TestServer } from './traffic-servers.js';

const asmxPath = 'fixtures/wsdl/asmx-weather-1.1.wsdl';
const hotelPath = 'fixtures/wsdl/hotel-reservation-2.0.wsdl';
const asmxText = readFileSync(asmxPath, 'utf8');
const hotelText = readFileSync(hotelPath, 'utf8');

const parser = new XMLParser({ ignoreAttributes: false, removeNSPrefix: false });

const quoteWsdl = `<?xml version="1.0"?>
<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
  xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:tns="urn:quotes" targetNamespace="urn:quotes">
  <types>
    <xsd:schema targetNamespace="urn:quotes" elementFormDefault="qualified">
      <xsd:simpleType name="Currency"><xsd:restriction base="xsd:string"><xsd:enumeration value="EUR"/><xsd:enumeration value="USD"/></xsd:restriction></xsd:simpleType>
      <xsd:complexType name="Range"><xsd:sequence><xsd:element name="from" type="xsd:date"/><xsd:element name="days" type="xsd:int"/></xsd:sequence></xsd:complexType>
      <xsd:complexType name="QuoteRequest"><xsd:sequence>
        <xsd:element name="symbol" type="xsd:string"/>
        <xsd:element name="quantity" type="xsd:int"/>
        <xsd:element name="limit" type="xsd:decimal"/>
        <xsd:element name="currency" type="tns:Currency"/>
        <xsd:element name="range" type="tns:Range"/>
        <xsd:choice><xsd:element name="live" type="xsd:boolean"/><xsd:element name="delayed" type="xsd:boolean"/></xsd:choice>
      </xsd:sequence></xsd:complexType>
      <xsd:element name="GetQuote" type="tns:QuoteRequest"/>
    </xsd:schema>
  </types>
  <message name="In"><part name="parameters" element="tns:GetQuote"/></message>
  <portType name="QuotePort"><operation name="GetQuote"><input message="tns:In"/></operation></portType>
  <binding name="QuoteSoap" type="tns:QuotePort"><soap:binding transport="http://schemas.xmlsoap.org/soap/http"/>
    <operation name="GetQuote"><soap:operation soapAction="urn:quotes#GetQuote"/><input><soap:body use="literal"/></input></operation></binding>
  <service name="QuoteService"><port name="QuotePort" binding="tns:QuoteSoap"><soap:address location="http://127.0.0.1:8080/quote"/></port></service>
</definitions>`;

describe('SOAP envelopes and headers', () => {
  it('sets SOAP 1.1 headers: text/xml and a quoted SOAPAction', () => {
    expect(soapHeaders('1.1', 'urn:x#Op')).toEqual({ 'content-type': 'text/xml; charset=utf-8', soapaction: '"urn:x#Op"' });
    expect(soapHeaders('1.1', null)).toEqual({ 'content-type': 'text/xml; charset=utf-8', soapaction: '""' });
  });

  it('sets SOAP 1.2 headers: application/soap+xml with the action parameter', () => {
    expect(soapHeaders('1.2', 'urn:x#Op')).toEqual({ 'content-type': 'application/soap+xml; charset=utf-8; action="urn:x#Op"' });
    expect(soapHeaders('1.2', null)).toEqual({ 'content-type': 'application/soap+xml; charset=utf-8' });
  });

  it('builds a well-formed envelope around the input element', () => {
    const xml11 = buildEnvelope('1.1', '{urn:x}GetQuote', '<ns:symbol>A&amp;B</ns:symbol>');
    const doc = parser.parse(xml11) as Record<string, Record<string, unknown>>;
    expect(doc['soapenv:Envelope']?.['@_xmlns:soapenv']).toBe('http://schemas.xmlsoap.org/soap/envelope/');
    const body = doc['soapenv:Envelope']?.['soapenv:Body'] as Record<string, Record<string, unknown>>;
    expect(body['ns:GetQuote']?.['@_xmlns:ns']).toBe('urn:x');
    expect(body['ns:GetQuote']?.['ns:symbol']).toBe('A&B');
    expect(buildEnvelope('1.2', '{urn:x}GetQuote', '')).toContain('xmlns:soapenv="http://www.w3.org/2003/05/soap-envelope"');
  });

  it('fills sample values from the schema: types, enumerations, nested types, a choice', () => {
    const content = sampleContent(quoteWsdl, '{urn:quotes}GetQuote');
    expect(content).toBe(
      '<ns:symbol>sample</ns:symbol><ns:quantity>1</ns:quantity><ns:limit>1.5</ns:limit><ns:currency>EUR</ns:currency>' +
        '<ns:range><ns:from>2024-01-01</ns:from><ns:days>1</ns:days></ns:range><ns:live>true</ns:live>',
    );
    expect(sampleContent(quoteWsdl, '{urn:quotes}Missing')).toBe('');
    expect(sampleContent('not xml at all <', '{urn:quotes}GetQuote')).toBe('');
  });

  it('builds the request of a WSDL 1.1 operation: SOAP 1.1 first, 1.2 on request', () => {
    const doc = parseWsdl(asmxText, asmxPath);
    const m11 = soapMessageFor(doc, asmxText, 'GetWeather');
    expect(m11.soapVersion).toBe('1.1');
    expect(m11.soapAction).toBe('http://tempuri.org/GetWeather');
    expect(m11.headers).toEqual({ 'content-type': 'text/xml; charset=utf-8', soapaction: '"http://tempuri.org/GetWeather"' });
    expect(m11.envelope).toContain(
      '<ns:GetWeather xmlns:ns="http://tempuri.org/"><ns:City>sample</ns:City><ns:CountryName>sample</ns:CountryName></ns:GetWeather>',
    );
    const m12 = soapMessageFor(doc, asmxText, 'GetWeather', '1.2');
    expect(m12.soapVersion).toBe('1.2');
    expect(m12.headers['content-type']).toBe('application/soap+xml; charset=utf-8; action="http://tempuri.org/GetWeather"');
    expect(m12.envelope).toContain('http://www.w3.org/2003/05/soap-envelope');
  });

  it('builds the request of a WSDL 2.0 operation, inherited operations included', () => {
    const doc = parseWsdl(hotelText, hotelPath);
    const make = soapMessageFor(doc, hotelText, 'opMakeReservation');
    expect(make.soapVersion).toBe('1.1');
    expect(make.endpointAddress).toBe('http://127.0.0.1:8080/2004/reservation11');
    // A WSDL 2.0 binding covers every operation of its interface, listed or not.
    expect(soapMessageFor(doc, hotelText, 'opCheckAvailability').soapVersion).toBe('1.1');
    const check = soapMessageFor(doc, hotelText, 'opCheckAvailability', '1.2');
    expect(check.soapVersion).toBe('1.2');
    expect(check.soapAction).toBeNull();
    expect(check.envelope).toContain('<ns:checkAvailability xmlns:ns="http://greath.example.com/2004/schemas/resSvc">sample</ns:checkAvailability>');
  });

  it('names the WSDL and lists operations when the operation is missing', () => {
    const doc = parseWsdl(asmxText, asmxPath);
    let caught: unknown;
    try {
      soapMessageFor(doc, asmxText, 'GetTemperature');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(GwscaleError);
    const error = caught as GwscaleError;
    expect(error.kind).toBe('input');
    expect(error.message).toBe(`${asmxPath}: no operation "GetTemperature"`);
    expect(error.hint).toContain('GetWeather');
    expect(() => soapMessageFor(parseWsdl(quoteWsdl, 'quote.wsdl'), quoteWsdl, 'GetQuote', '1.2')).toThrow(
      'quote.wsdl: operation "GetQuote" has no SOAP 1.2 binding',
    );
  });
});

describe('SOAP requests on the wire (real local server)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server.close();
  });

  const base = (over: Partial<TrafficOptions>): TrafficOptions => ({
    url: server.url,
    wsdl: asmxPath,
    operation: 'GetWeather',
    soapVersion: null,
    body: null,
    contentType: null,
    mode: 'burst',
    connections: 1,
    httpClient: 'socket',
    requests: 3,
    ratePerSec: null,
    durationMs: 10_000,
    warmup: null,
    workers: 1,
    timeoutMs: 5_000,
    maxInFlight: 100,
    intervalMs: 10_000,
    allowRemote: false,
    ...over,
  });

  const lastSeen = (): { headers: Record<string, unknown>; body: string } =>
    server.seen[server.seen.length - 1] as { headers: Record<string, unknown>; body: string };

  for (const [client, mode] of [
    ['socket', 'burst'],
    ['undici', 'burst'],
    ['undici', 'rate'],
  ] as const) {
    it(`sends SOAP 1.1 and 1.2 headers and envelopes (${mode}, ${client})`, async () => {
      const rate = mode === 'rate' ? { ratePerSec: 50 } : {};
      const one = await runTraffic(base({ soapVersion: '1.1', httpClient: client, mode, ...rate }));
      expect(one.result.ok).toBe(3);
      expect(lastSeen().headers['content-type']).toBe('text/xml; charset=utf-8');
      expect(lastSeen().headers.soapaction).toBe('"http://tempuri.org/GetWeather"');
      expect(lastSeen().body).toContain('<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">');
      const two = await runTraffic(base({ soapVersion: '1.2', httpClient: client, mode, ...rate }));
      expect(two.result.ok).toBe(3);
      expect(lastSeen().headers['content-type']).toBe('application/soap+xml; charset=utf-8; action="http://tempuri.org/GetWeather"');
      expect(lastSeen().headers.soapaction).toBeUndefined();
      expect(lastSeen().body).toContain('<soapenv:Envelope xmlns:soapenv="http://www.w3.org/2003/05/soap-envelope">');
      expect(two.description).toBe(`SOAP 1.2 GetWeather from ${asmxPath}`);
    });
  }
});
