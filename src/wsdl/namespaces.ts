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
