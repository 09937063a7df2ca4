/** Namespace URIs that identify WSDL constructs; elements are matched by these, never by prefix text. */

/** WSDL 1.1 (`wsdl:definitions`). */
export const WSDL11_NS = 'http://schemas.xmlsoap.org/wsdl/';
/** WSDL 1.1 SOAP 1.1 binding extension (`soap:binding`, `soap:address`). */
export const WSDL11_SOAP11_NS = 'http://schemas.xmlsoap.org/wsdl/soap/';
/** WSDL 1.1 SOAP 1.2 binding extension (`soap12:binding`, `soap12:address`). */
export const WSDL11_SOAP12_NS = 'http://schemas.xmlsoap.org/wsdl/soap12/';
/** WSDL 1.1 HTTP binding extension (`http:binding`, `http:address`). */
export const WSDL11_HTTP_NS = 'http://schemas.xmlsoap.org/wsdl/http/';

/** WSDL 2.0 (`wsdl:description`). */
export const WSDL20_NS = 'http://www.w3.org/ns/wsdl';
/** WSDL 2.0 SOAP binding: the `type` of a SOAP binding and the namespace of `wsoap:*` attributes. */
export const WSDL20_SOAP_NS = 'http://www.w3.org/ns/wsdl/soap';
/** WSDL 2.0 HTTP binding type. */
export const WSDL20_HTTP_NS = 'http://www.w3.org/ns/wsdl/http';

/** XML Schema, for `xsd:import` / `xsd:include` inside `types`. */
export const XSD_NS = 'http://www.w3.org/2001/XMLSchema';

/** The namespace bound to the `xml` prefix by definition. */
export const XML_NS = 'http://www.w3.org/XML/1998/namespace';

/** WSDL 1.1 MIME binding extension. */
export const WSDL11_MIME_NS = 'http://schemas.xmlsoap.org/wsdl/mime/';

/**
 * Namespaces that real WSDLs use under a conventional prefix, for documents that use the prefix
 * without declaring it (SOAP stacks and gateways accept them; see docs/wsdl.md, "Recoveries").
 */
const wellKnownByPrefix: Readonly<Record<string, string>> = {
  wsdl: WSDL11_NS,
  soap: WSDL11_SOAP11_NS,
  soap11: WSDL11_SOAP11_NS,
  soap12: WSDL11_SOAP12_NS,
  http: WSDL11_HTTP_NS,
  mime: WSDL11_MIME_NS,
  wsoap: WSDL20_SOAP_NS,
  whttp: WSDL20_HTTP_NS,
  xsd: XSD_NS,
  xs: XSD_NS,
  s: XSD_NS,
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
  soapenc: 'http://schemas.xmlsoap.org/soap/encoding/',
  xmime: 'http://www.w3.org/2005/05/xmlmime',
  wsp: 'http://schemas.xmlsoap.org/ws/2004/09/policy',
  wsu: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd',
  wsa: 'http://www.w3.org/2005/08/addressing',
  wsaw: 'http://www.w3.org/2006/05/addressing/wsdl',
  wsam: 'http://www.w3.org/2007/05/addressing/metadata',
  sp: 'http://docs.oasis-open.org/ws-sx/ws-securitypolicy/200702',
  jaxws: 'http://java.sun.com/xml/ns/jaxws',
  msc: 'http://schemas.microsoft.com/ws/2005/12/wsdl/contract',
  tm: 'http://microsoft.com/wsdl/mime/textMatching/',
};

/** The namespace a prefix conventionally stands for, or undefined. */
export function wellKnownNamespaceOf(prefix: string): string | undefined {
  return Object.hasOwn(wellKnownByPrefix, prefix) ? wellKnownByPrefix[prefix] : undefined;
}
