/**
 * The SOAP request for one WSDL operation: binding (SOAP 1.1 or 1.2), action, endpoint address and
 * an envelope with sample values from the schema. Works on the shared WSDL model, 1.1 and 2.0 alike.
 */
import { inputError } from '../errors.js';
import type { WsdlBinding, WsdlDocument, WsdlOperation } from '../wsdl/model.js';
import { sampleContent } from './sample-values.js';
import { buildEnvelope, soapHeaders, type SoapVersion } from '../soap/envelope.js';

/** The SOAP request of one operation, ready to send. */
export interface SoapMessage {
  readonly operation: string;
  readonly soapVersion: SoapVersion;
  /** SOAPAction (1.1) or action parameter (1.2); null when the binding gives none. */
  readonly soapAction: string | null;
  /** Address of an endpoint using the chosen binding; null when the WSDL names none. */
  readonly endpointAddress: string | null;
  readonly envelope: string;
  readonly headers: Readonly<Record<string, string>>;
}

const versionOf = (binding: WsdlBinding): SoapVersion | null => (binding.protocol === 'soap11' ? '1.1' : binding.protocol === 'soap12' ? '1.2' : null);

function operationOf(doc: WsdlDocument, binding: WsdlBinding, name: string): WsdlOperation | undefined {
  return doc.interfaces.find((i) => i.name === binding.interfaceName)?.operations.find((o) => o.name === name);
}

/** Every operation name the document's interfaces declare, for "did you mean" hints. */
export function operationNames(doc: WsdlDocument): string[] {
  return [...new Set(doc.interfaces.flatMap((i) => i.operations.map((o) => o.name)))];
}

/**
 * The request for `operationName`. Prefers `soapVersion` when given, else SOAP 1.1 (the most widely
 * answered), else 1.2.
 * @throws GwscaleError (input) naming the WSDL when the operation or a SOAP binding for it is missing.
 */
export function soapMessageFor(doc: WsdlDocument, wsdlText: string, operationName: string, soapVersion?: SoapVersion): SoapMessage {
  const names = operationNames(doc);
  if (!names.includes(operationName)) {
    throw inputError(
      `${doc.source}: no operation "${operationName}"`,
      names.length > 0 ? `operations in this WSDL: ${names.slice(0, 20).join(', ')}` : 'the WSDL declares no operations',
    );
  }
  const candidates = doc.bindings
    .filter((b) => versionOf(b) !== null && operationOf(doc, b, operationName) !== undefined)
    .sort((a, b) => (a.protocol === b.protocol ? 0 : a.protocol === 'soap11' ? -1 : 1));
  const binding = soapVersion === undefined ? candidates[0] : candidates.find((b) => versionOf(b) === soapVersion);
  if (binding === undefined) {
    const have = candidates.map((b) => `SOAP ${versionOf(b) ?? '?'}`).join(', ');
    const wanted = soapVersion === undefined ? 'SOAP 1.1 or 1.2' : `SOAP ${soapVersion}`;
    throw inputError(
      `${doc.source}: operation "${operationName}" has no ${wanted} binding`,
      have === '' ? 'use --body FILE --content-type T to send it as plain HTTP' : `it has ${have}; pick it with --soap-version`,
    );
  }
  const version = versionOf(binding) ?? '1.1';
  const operation = operationOf(doc, binding, operationName);
  const soapAction = binding.operations.find((o) => o.name === operationName)?.soapAction ?? null;
  // rpc style (no input element): the wrapper is the operation name in the target namespace.
  const bodyElement = operation?.inputElement ?? `{${doc.targetNamespace}}${operationName}`;
  const endpoint = doc.services.flatMap((s) => s.endpoints).find((e) => e.bindingName === binding.name);
  return {
    operation: operationName,
    soapVersion: version,
    soapAction,
    endpointAddress: endpoint?.address ?? null,
    envelope: buildEnvelope(version, bodyElement, sampleContent(wsdlText, bodyElement)),
    headers: soapHeaders(version, soapAction),
  };
}
