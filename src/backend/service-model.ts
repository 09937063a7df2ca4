/**
 * What the backend knows about one service: its operations with their input and output elements
 * and SOAP actions. Read from the service's WSDL when the harness serves it, else learned from the
 * requests themselves (the first body element names the operation).
 */
import type { WsdlDocument } from '../wsdl/model.js';

export interface BackendOperation {
  readonly name: string;
  readonly inputNamespace: string;
  readonly inputLocal: string;
  /** Local name of the output element (same namespace as the input); null for one-way operations. */
  readonly outputLocal: string | null;
  readonly soapAction: string | null;
}

export interface BackendServiceModel {
  readonly name: string;
  /** Operations by the local name of their input element. */
  readonly operations: Map<string, BackendOperation>;
  /** True when read from the WSDL (then unknown elements are not learned). */
  readonly fromWsdl: boolean;
}

/** `{urn:x}GetQuote` → [`urn:x`, `GetQuote`]. */
export function splitQName(qname: string): [string, string] {
  const m = /^\{([^}]*)\}(.+)$/.exec(qname);
  return m ? [m[1] ?? '', m[2] ?? qname] : ['', qname];
}

/** The operations a service's endpoints expose, from its WSDL (either version). */
export function modelFromWsdl(document: WsdlDocument, serviceName: string): BackendServiceModel | null {
  const service = document.services.find((s) => s.name === serviceName);
  if (service === undefined) return null;
  const operations = new Map<string, BackendOperation>();
  for (const endpoint of service.endpoints) {
    const binding = document.bindings.find((b) => b.name === endpoint.bindingName);
    const iface = binding === undefined ? undefined : document.interfaces.find((i) => i.name === binding.interfaceName);
    for (const op of iface?.operations ?? []) {
      const [inputNamespace, inputLocal] = op.inputElement === null ? [document.targetNamespace, op.name] : splitQName(op.inputElement);
      if (operations.has(inputLocal)) continue;
      const oneWay = op.pattern === 'in-only' || op.pattern === 'robust-in-only' || op.outputElement === null;
      operations.set(inputLocal, {
        name: op.name,
        inputNamespace,
        inputLocal,
        outputLocal: oneWay ? null : splitQName(op.outputElement ?? '')[1],
        soapAction: binding?.operations.find((b) => b.name === op.name)?.soapAction ?? null,
      });
    }
  }
  return operations.size === 0 ? null : { name: serviceName, operations, fromWsdl: true };
}

/** The first element in a SOAP Body: its local name, namespace URI and the action the request named. */
export interface RequestElement {
  readonly local: string;
  readonly namespace: string;
}

/** Finds the first Body child and resolves its prefix against the declarations before it. */
export function requestElementOf(envelope: string): RequestElement | null {
  const m = /<(?:[A-Za-z_][\w.-]*:)?Body\b[^>]*>\s*(?:<!--[\s\S]*?-->\s*)*<(?:([A-Za-z_][\w.-]*):)?([A-Za-z_][\w.-]*)([^>]*)>/.exec(envelope);
  if (m === null) return null;
  const prefix = m[1];
  const local = m[2] ?? '';
  const attr = prefix === undefined ? 'xmlns' : `xmlns:${prefix}`;
  const declaration = new RegExp(`\\s${attr.replace('.', '\\.')}\\s*=\\s*["']([^"']*)["']`);
  // The element's own declaration wins; else the nearest one before it (Body, Envelope).
  const own = declaration.exec(m[3] ?? '');
  if (own) return { local, namespace: own[1] ?? '' };
  const before = envelope.slice(0, m.index + m[0].length - (m[3]?.length ?? 0));
  const all = [...before.matchAll(new RegExp(declaration.source, 'g'))];
  return { local, namespace: all.at(-1)?.[1] ?? '' };
}

/** Adds an operation learned from a request; returns true when the model changed. */
export function learnOperation(model: BackendServiceModel, element: RequestElement, soapAction: string | null): boolean {
  if (model.fromWsdl || model.operations.has(element.local)) return false;
  model.operations.set(element.local, {
    name: element.local,
    inputNamespace: element.namespace,
    inputLocal: element.local,
    outputLocal: `${element.local}Response`,
    soapAction,
  });
  return true;
}
