/**
 * One model for WSDL 1.1 and WSDL 2.0 documents. WSDL 1.1 `portType` and 2.0 `interface` are both
 * `interfaces`; 1.1 `port` and 2.0 `endpoint` are both `endpoints`.
 */
export type WsdlVersion = '1.1' | '2.0';

/** SOAP version a binding speaks, or `http` for plain HTTP bindings. */
export type BindingProtocol = 'soap11' | 'soap12' | 'http' | 'other';

/** Message exchange pattern, named as WSDL 2.0 does; 1.1 operations map onto the same names. */
export type MessagePattern = 'in-out' | 'in-only' | 'robust-in-only' | 'out-in' | 'out-only' | 'other';

export interface WsdlOperation {
  readonly name: string;
  readonly pattern: MessagePattern;
  /** Qualified name of the input element (document/literal), e.g. `{urn:x}GetQuote`; null if none. */
  readonly inputElement: string | null;
  readonly outputElement: string | null;
}

export interface WsdlInterface {
  readonly name: string;
  readonly operations: readonly WsdlOperation[];
}

export interface WsdlBindingOperation {
  readonly name: string;
  /** SOAPAction (1.1) or wsoap:action (2.0); null when the binding gives none. */
  readonly soapAction: string | null;
}

export interface WsdlBinding {
  readonly name: string;
  /** Local name of the interface/portType it binds. */
  readonly interfaceName: string;
  readonly protocol: BindingProtocol;
  readonly operations: readonly WsdlBindingOperation[];
}

export interface WsdlEndpoint {
  readonly name: string;
  /** Local name of the binding it uses. */
  readonly bindingName: string;
  readonly address: string;
}

export interface WsdlService {
  readonly name: string;
  readonly endpoints: readonly WsdlEndpoint[];
}

export interface WsdlReference {
  readonly kind: 'wsdl-import' | 'wsdl-include' | 'schema-import' | 'schema-include';
  readonly namespace: string | null;
  readonly location: string | null;
  /** The local file read for it (inside the folder of the file given), or null when not followed. */
  readonly followed: string | null;
}

/**
 * Something gwscale assumed to read a document that is not valid to the letter of the spec but is
 * read by SOAP stacks and gateways (see docs/wsdl.md, "Recoveries"). `--strict` refuses instead.
 */
export interface WsdlWarning {
  /** The document it concerns (the given file, or a file it imports). */
  readonly file: string;
  /** 1-based line of the element concerned. */
  readonly line: number;
  /** What was assumed, on one line. */
  readonly message: string;
}

export interface WsdlDocument {
  readonly version: WsdlVersion;
  /** Where it was read from (file path or URL), for error messages. */
  readonly source: string;
  readonly name: string | null;
  readonly targetNamespace: string;
  readonly services: readonly WsdlService[];
  readonly bindings: readonly WsdlBinding[];
  readonly interfaces: readonly WsdlInterface[];
  /** Imports and includes of this document and of the local documents it brought in. */
  readonly references: readonly WsdlReference[];
  /** What was assumed to read it, in document order; empty for a document valid to the letter. */
  readonly warnings: readonly WsdlWarning[];
}

/** A generated (or user-supplied) service ready to register: one per service group. */
export interface ServiceSpec {
  /** 0-based index in the run; registration order. */
  readonly index: number;
  /** Service group name, unique in the run, e.g. `group-00042`. */
  readonly group: string;
  /** WSDL service name, unique in the run. */
  readonly serviceName: string;
  readonly version: WsdlVersion;
  /** File name the WSDL is served under (no folders), e.g. `svc-00042.wsdl`. */
  readonly fileName: string;
  /** The WSDL document text. */
  readonly wsdlText: string;
}
