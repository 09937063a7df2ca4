/**
 * SOAP 1.1 / 1.2 message facts the gateway and the harness need without parsing a whole envelope:
 * which version a request speaks, its action, its first body element, and faults in each version.
 */

import type { SoapVersion } from './envelope.js';

export type { SoapVersion };

/** Escapes text for XML content and attribute values (all five predefined entities). */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&apos;'));
}

export const SOAP11_ENVELOPE_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
export const SOAP12_ENVELOPE_NS = 'http://www.w3.org/2003/05/soap-envelope';

/** SOAP 1.2 travels as `application/soap+xml`; everything else is taken as SOAP 1.1 (`text/xml`). */
export function soapVersionOf(contentType: string | undefined): SoapVersion {
  return contentType !== undefined && /^\s*application\/soap\+xml/i.test(contentType) ? '1.2' : '1.1';
}

export function contentTypeOf(version: SoapVersion, action?: string): string {
  if (version === '1.1') return 'text/xml; charset=utf-8';
  return action === undefined || action === '' ? 'application/soap+xml; charset=utf-8' : `application/soap+xml; charset=utf-8; action="${action}"`;
}

/** The action of a request: the SOAPAction header (1.1) or the content type's `action` parameter (1.2). */
export function soapActionOf(headers: Readonly<Record<string, string | string[] | undefined>>): string | null {
  const header = headers['soapaction'];
  const value = Array.isArray(header) ? header[0] : header;
  if (value !== undefined && value !== '' && value !== '""') return value.replace(/^"(.*)"$/, '$1');
  const type = headers['content-type'];
  const m = /;\s*action\s*=\s*"?([^";]+)"?/i.exec(Array.isArray(type) ? (type[0] ?? '') : (type ?? ''));
  return m?.[1] ?? null;
}

/** Local name of the first element inside the SOAP Body, or null. */
export function firstBodyElement(envelope: string): string | null {
  const m = /<(?:[A-Za-z_][\w.-]*:)?Body\b[^>]*>\s*(?:<!--[\s\S]*?-->\s*)*<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)/.exec(envelope);
  return m?.[1] ?? null;
}

/** A SOAP fault in the given version; `sender` picks Client/Sender over Server/Receiver. */
export function soapFault(version: SoapVersion, sender: boolean, reason: string): string {
  const text = escapeXml(reason);
  if (version === '1.1') {
    return `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="${SOAP11_ENVELOPE_NS}"><soap:Body><soap:Fault><faultcode>soap:${sender ? 'Client' : 'Server'}</faultcode><faultstring>${text}</faultstring></soap:Fault></soap:Body></soap:Envelope>`;
  }
  return `<?xml version="1.0" encoding="utf-8"?><env:Envelope xmlns:env="${SOAP12_ENVELOPE_NS}"><env:Body><env:Fault><env:Code><env:Value>env:${sender ? 'Sender' : 'Receiver'}</env:Value></env:Code><env:Reason><env:Text xml:lang="en">${text}</env:Text></env:Reason></env:Fault></env:Body></env:Envelope>`;
}

/** True when a SOAP message's body is a fault. */
export function isSoapFault(envelope: string): boolean {
  return /<(?:[A-Za-z_][\w.-]*:)?Fault\b/.test(envelope);
}

/** The fault text (faultstring / Reason Text) of a fault message, or null. */
export function faultReason(envelope: string): string | null {
  const m = /<(?:[A-Za-z_][\w.-]*:)?(?:faultstring|Text)\b[^>]*>([^<]*)</.exec(envelope);
  return m?.[1] ?? null;
}
