/**
 * SOAP request envelopes and their HTTP headers, SOAP 1.1 and 1.2. The body element comes from the
 * operation's input element QName (document/literal); its children are sample values.
 */

export type SoapVersion = '1.1' | '1.2';

/** Envelope namespace of each SOAP version. */
export const SOAP_ENVELOPE_NS: Readonly<Record<SoapVersion, string>> = Object.freeze({
  '1.1': 'http://schemas.xmlsoap.org/soap/envelope/',
  '1.2': 'http://www.w3.org/2003/05/soap-envelope',
});

/** `{urn:x}GetQuote` (Clark notation) or a bare `GetQuote` → namespace ('' when none) and local name. */
export function splitClarkName(qname: string): { ns: string; local: string } {
  const m = /^\{([^}]*)\}(.+)$/.exec(qname);
  return m === null ? { ns: '', local: qname } : { ns: m[1] ?? '', local: m[2] ?? qname };
}

/** Escapes text for XML content and attribute values. */
export const escapeXml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * A request envelope: `<soapenv:Envelope><soapenv:Body><ns:GetQuote xmlns:ns="…">children</ns:GetQuote>…`.
 * @param childrenXml the body element's content, already XML (see `sampleContent`); prefix `ns` is bound.
 */
export function buildEnvelope(version: SoapVersion, bodyElement: string, childrenXml: string): string {
  const { ns, local } = splitClarkName(bodyElement);
  const open = ns === '' ? `<${local}>` : `<ns:${local} xmlns:ns="${escapeXml(ns)}">`;
  const close = ns === '' ? `</${local}>` : `</ns:${local}>`;
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    `<soapenv:Envelope xmlns:soapenv="${SOAP_ENVELOPE_NS[version]}">` +
    '<soapenv:Header/>' +
    `<soapenv:Body>${open}${childrenXml}${close}</soapenv:Body>` +
    '</soapenv:Envelope>'
  );
}

/**
 * HTTP headers of a SOAP request. 1.1: `text/xml; charset=utf-8` and a quoted `SOAPAction`
 * (empty `""` when the binding gives none). 1.2: `application/soap+xml; charset=utf-8` with the
 * action as a content-type parameter (left out when there is none).
 */
export function soapHeaders(version: SoapVersion, action: string | null): Record<string, string> {
  if (version === '1.1') return { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${action ?? ''}"` };
  const actionParam = action === null || action === '' ? '' : `; action="${action.replace(/"/g, '%22')}"`;
  return { 'content-type': `application/soap+xml; charset=utf-8${actionParam}` };
}
