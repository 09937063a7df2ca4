/**
 * The WSDL the backend hands the `soap` package for one service: WSDL 1.1 document/literal (the
 * package reads no WSDL 2.0), one SOAP 1.1 or 1.2 binding, the service's operations with their
 * real element names and actions, open request content and a small fixed response.
 */
import type { BackendOperation, BackendServiceModel } from './service-model.js';

const SOAP11_BINDING_NS = 'http://schemas.xmlsoap.org/wsdl/soap/';
const SOAP12_BINDING_NS = 'http://schemas.xmlsoap.org/wsdl/soap12/';

/** Fields of every response element; `requestPolicy` echoes what the gateway's request policy set. */
export interface BackendAnswer {
  readonly operation: string;
  readonly service: string;
  readonly requestPolicy: string;
  readonly answeredAt: string;
}

const esc = (text: string): string => text.replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'));

/** Port and binding names, fixed so the service implementation object can be built for them. */
export const PORT_NAME = 'BackendPort';

export function synthesiseWsdl(model: BackendServiceModel, soap12: boolean): string {
  const ops = [...model.operations.values()];
  const namespaces = [...new Set(ops.map((o) => o.inputNamespace))];
  const prefixOf = (ns: string): string => `ns${namespaces.indexOf(ns)}`;
  const tns = namespaces[0] ?? 'urn:gwscale:backend';
  const schemas = namespaces.map((ns) => {
    const defined = new Set<string>();
    const elements: string[] = [];
    for (const op of ops.filter((o) => o.inputNamespace === ns)) {
      if (!defined.has(op.inputLocal)) {
        defined.add(op.inputLocal);
        elements.push(
          `<xsd:element name="${esc(op.inputLocal)}"><xsd:complexType><xsd:sequence><xsd:any minOccurs="0" maxOccurs="unbounded" processContents="skip"/></xsd:sequence></xsd:complexType></xsd:element>`,
        );
      }
      if (op.outputLocal !== null && !defined.has(op.outputLocal)) {
        defined.add(op.outputLocal);
        elements.push(
          `<xsd:element name="${esc(op.outputLocal)}"><xsd:complexType><xsd:sequence>` +
            '<xsd:element name="operation" type="xsd:string"/><xsd:element name="service" type="xsd:string"/>' +
            '<xsd:element name="requestPolicy" type="xsd:string"/><xsd:element name="answeredAt" type="xsd:dateTime"/>' +
            '</xsd:sequence></xsd:complexType></xsd:element>',
        );
      }
    }
    return `<xsd:schema targetNamespace="${esc(ns)}" elementFormDefault="qualified">${elements.join('')}</xsd:schema>`;
  });
  const messages = ops.map((o: BackendOperation, i) => {
    const p = prefixOf(o.inputNamespace);
    const input = `<message name="m${i}In"><part name="parameters" element="${p}:${esc(o.inputLocal)}"/></message>`;
    return o.outputLocal === null ? input : `${input}<message name="m${i}Out"><part name="parameters" element="${p}:${esc(o.outputLocal)}"/></message>`;
  });
  const portOps = ops.map(
    (o, i) => `<operation name="${esc(o.name)}"><input message="tns:m${i}In"/>${o.outputLocal === null ? '' : `<output message="tns:m${i}Out"/>`}</operation>`,
  );
  const bindingOps = ops.map(
    (o) =>
      `<operation name="${esc(o.name)}"><soap:operation soapAction="${esc(o.soapAction ?? '')}" style="document"/><input><soap:body use="literal"/></input>` +
      `${o.outputLocal === null ? '' : '<output><soap:body use="literal"/></output>'}</operation>`,
  );
  const nsDecls = namespaces.map((ns) => ` xmlns:${prefixOf(ns)}="${esc(ns)}"`).join('');
  return (
    `<?xml version="1.0" encoding="UTF-8"?><definitions name="${esc(model.name)}" targetNamespace="${esc(tns)}" xmlns="http://schemas.xmlsoap.org/wsdl/"` +
    ` xmlns:tns="${esc(tns)}"${nsDecls} xmlns:soap="${soap12 ? SOAP12_BINDING_NS : SOAP11_BINDING_NS}" xmlns:xsd="http://www.w3.org/2001/XMLSchema">` +
    `<types>${schemas.join('')}</types>${messages.join('')}<portType name="BackendPortType">${portOps.join('')}</portType>` +
    `<binding name="BackendBinding" type="tns:BackendPortType"><soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>${bindingOps.join('')}</binding>` +
    `<service name="${esc(model.name)}"><port name="${PORT_NAME}" binding="tns:BackendBinding"><soap:address location="http://127.0.0.1/${esc(model.name)}"/></port></service></definitions>`
  );
}
