/**
 * WSDL templates: any valid WSDL (ours in `wsdl/`, or the user's) compiled once into literal text
 * pieces and slots for the service name(s), the target namespace and the endpoint addresses, so
 * generating a service is string concatenation, not DOM building.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inputError, messageOf } from '../errors.js';
import type { BindingProtocol, WsdlDocument, WsdlVersion, WsdlWarning } from './model.js';
import { WSDL11_HTTP_NS, WSDL11_NS, WSDL11_SOAP11_NS, WSDL11_SOAP12_NS, WSDL20_NS } from './namespaces.js';
import { flattenImports, startTagEndOf } from './flatten-imports.js';
import { parseWsdlWithTree, readWsdlBytes, type ParseWsdlOptions } from './parse.js';
import { attributeOf, type XmlElement } from './xml-tree.js';

/** A slot in a compiled template; plain strings are copied as they are. */
export type TemplatePiece =
  | string
  /** The target namespace followed by `rest` (schema namespaces and SOAPActions often extend it). */
  | { readonly slot: 'namespace'; readonly rest: string }
  /** The name of the template's n-th service (0 = the generated service's own name). */
  | { readonly slot: 'service'; readonly ordinal: number }
  /** An endpoint address: `${endpointBase}/${serviceName}${suffix}`. */
  | { readonly slot: 'address'; readonly suffix: string };

/** Where a template's endpoint will point once generated. */
export interface TemplateEndpoint {
  readonly serviceOrdinal: number;
  readonly name: string;
  readonly protocol: BindingProtocol;
  /** Path after `${endpointBase}/${serviceName}`: `''` for the first endpoint, e.g. `/soap12` for others. */
  readonly suffix: string;
}

/** A compiled template. */
export interface WsdlTemplate {
  /** File it came from (or the built-in template's file). */
  readonly source: string;
  readonly version: WsdlVersion;
  /** The template's own target namespace, replaced in every attribute that equals or extends it. */
  readonly targetNamespace: string;
  /** Operations of each interface, to check generated documents against. */
  readonly operationCount: number;
  readonly serviceCount: number;
  readonly endpoints: readonly TemplateEndpoint[];
  /** Appended to a generated namespace when the template's own ends in `/`, `#` or `:`. */
  readonly namespaceTerminator: string;
  readonly pieces: readonly TemplatePiece[];
  /** What was assumed to read the template (see `WsdlDocument.warnings`); shown once when it is loaded. */
  readonly warnings: readonly WsdlWarning[];
}

/** Templates to generate from, sorted by file name; `generateServices` picks among them by version. */
export interface TemplateSet {
  /** The folder they came from, or `built-in`. */
  readonly source: string;
  readonly templates: readonly WsdlTemplate[];
}

/** Values that make one generated document. */
export interface TemplateValues {
  readonly serviceName: string;
  readonly targetNamespace: string;
  /** Endpoint base without a trailing slash. */
  readonly endpointBase: string;
}

const SEPARATORS = '/#:?';

/** Escapes text for an attribute value in either quote style. */
export function escapeAttribute(value: string): string {
  return value.replace(/[&<"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '"' ? '&quot;' : '&apos;'));
}

/** Name of the template's n-th service in a generated document. */
export const serviceNameFor = (serviceName: string, ordinal: number): string => (ordinal === 0 ? serviceName : `${serviceName}_${ordinal + 1}`);

/** Renders a template; values must already be chosen unique by the caller. */
export function renderTemplate(template: WsdlTemplate, values: TemplateValues): string {
  const namespace = values.targetNamespace + template.namespaceTerminator;
  const addressBase = `${values.endpointBase}/${values.serviceName}`;
  let out = '';
  for (const piece of template.pieces) {
    if (typeof piece === 'string') out += piece;
    else if (piece.slot === 'namespace') out += escapeAttribute(namespace + piece.rest);
    else if (piece.slot === 'service') out += serviceNameFor(values.serviceName, piece.ordinal);
    else out += escapeAttribute(addressBase + piece.suffix);
  }
  return out;
}

interface AttributeSpan {
  readonly start: number;
  readonly end: number;
}

/** Value spans of the attributes in the start tag at `offset` (the document is already known well-formed). */
function attributeSpans(text: string, offset: number): Map<string, AttributeSpan> {
  const spans = new Map<string, AttributeSpan>();
  const tagName = /[^\s/>]+/y;
  tagName.lastIndex = offset + 1;
  tagName.exec(text);
  const attribute = /\s+([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/y;
  attribute.lastIndex = tagName.lastIndex;
  for (let match = attribute.exec(text); match !== null; match = attribute.exec(text)) {
    const end = attribute.lastIndex - 1;
    spans.set(match[1] ?? '', { start: end - (match[2] ?? match[3] ?? '').length, end });
  }
  return spans;
}

interface Edit extends AttributeSpan {
  readonly piece: Exclude<TemplatePiece, string>;
  /** Literal text written around the slot (an inserted address element or attribute). */
  readonly before?: string;
  readonly after?: string;
}

const addressNamespaceOf: Readonly<Record<BindingProtocol, string>> = {
  soap11: WSDL11_SOAP11_NS,
  soap12: WSDL11_SOAP12_NS,
  http: WSDL11_HTTP_NS,
  other: WSDL11_SOAP11_NS,
};

/**
 * An address for a port or endpoint that has none (read with a warning): a 1.1 port gets an
 * address element of its binding's protocol after its start tag; a 2.0 endpoint an `address` attribute.
 */
function insertedAddress(text: string, element: XmlElement, version: WsdlVersion, protocol: BindingProtocol, piece: Edit['piece']): Edit {
  const end = startTagEndOf(text, element.startOffset);
  const selfClosing = text[end - 2] === '/';
  if (version === '2.0') {
    const at = selfClosing ? end - 2 : end - 1;
    return { start: at, end: at, piece, before: ' address="', after: '"' };
  }
  const open = `<gwscale-address:address xmlns:gwscale-address="${addressNamespaceOf[protocol]}" location="`;
  if (!selfClosing) return { start: end, end, piece, before: open, after: '"/>' };
  return { start: end - 2, end, piece, before: `>${open}`, after: `"/></${element.qname}>` };
}

function extendsNamespace(value: string, namespace: string): boolean {
  if (!value.startsWith(namespace)) return false;
  return value.length === namespace.length || SEPARATORS.includes(namespace.at(-1) ?? '') || SEPARATORS.includes(value[namespace.length] ?? '');
}

function suffixesFor(document: WsdlDocument): TemplateEndpoint[] {
  const protocolOf = new Map(document.bindings.map((b) => [b.name, b.protocol]));
  const used = new Set<string>();
  const endpoints: TemplateEndpoint[] = [];
  document.services.forEach((service, serviceOrdinal) => {
    for (const endpoint of service.endpoints) {
      const protocol = protocolOf.get(endpoint.bindingName) ?? 'other';
      const candidates = endpoints.length === 0 ? [''] : [`/${protocol}`, `/${endpoint.name}`, `/${service.name}-${endpoint.name}`];
      const suffix = candidates.find((c) => !used.has(c)) ?? `/endpoint-${endpoints.length + 1}`;
      used.add(suffix);
      endpoints.push({ serviceOrdinal, name: endpoint.name, protocol, suffix });
    }
  });
  return endpoints;
}

function collectEdits(text: string, root: XmlElement, document: WsdlDocument, endpoints: readonly TemplateEndpoint[]): Edit[] {
  const wsdlNs = document.version === '1.1' ? WSDL11_NS : WSDL20_NS;
  const namespace = document.targetNamespace;
  const firstServiceName = document.services[0]?.name;
  const edits: Edit[] = [];
  let endpointIndex = 0;
  const claim = (element: XmlElement, parent: XmlElement | null, claimed: Map<string, Edit['piece']>): void => {
    // Location attributes may extend the namespace text too, but they point at files: leave them alone.
    for (const attribute of element.attributes) {
      if (claimed.has(attribute.qname) || attribute.local === 'location' || attribute.local === 'schemaLocation') continue;
      if (extendsNamespace(attribute.value, namespace)) claimed.set(attribute.qname, { slot: 'namespace', rest: attribute.value.slice(namespace.length) });
    }
    // Namespace declarations (xmlns:tns="…") live in the scope; only a new scope object can hold new ones.
    if (element.scope !== parent?.scope) {
      for (const [prefix, value] of element.scope) {
        const qname = prefix === '' ? 'xmlns' : `xmlns:${prefix}`;
        if (prefix !== 'xml' && extendsNamespace(value, namespace)) claimed.set(qname, { slot: 'namespace', rest: value.slice(namespace.length) });
      }
    }
    if (claimed.size === 0) return;
    const spans = attributeSpans(text, element.startOffset);
    for (const [qname, piece] of claimed) {
      const span = spans.get(qname);
      if (span !== undefined) edits.push({ ...span, piece });
    }
  };
  const visit = (element: XmlElement, parent: XmlElement | null): void => {
    const claimed = new Map<string, Edit['piece']>();
    const name = attributeOf(element, 'name');
    if (parent === null && document.version === '1.1' && name !== undefined && name === firstServiceName) claimed.set('name', { slot: 'service', ordinal: 0 });
    if (parent === root && element.ns === wsdlNs && element.local === 'service') {
      claimed.set('name', { slot: 'service', ordinal: document.services.findIndex((s) => s.name === name) });
    }
    const inService = parent !== null && parent.ns === wsdlNs && parent.local === 'service';
    const endpointElement = inService && element.ns === wsdlNs && element.local === (document.version === '1.1' ? 'port' : 'endpoint');
    const hasAddress =
      document.version === '1.1'
        ? element.children.some((c) => c.local === 'address' && attributeOf(c, 'location') !== undefined)
        : attributeOf(element, 'address') !== undefined;
    if (endpointElement && !hasAddress) {
      const protocol = endpoints[endpointIndex]?.protocol ?? 'other';
      edits.push(insertedAddress(text, element, document.version, protocol, { slot: 'address', suffix: endpoints[endpointIndex++]?.suffix ?? '' }));
    } else if (endpointElement && document.version === '2.0') {
      claimed.set('address', { slot: 'address', suffix: endpoints[endpointIndex++]?.suffix ?? '' });
    }
    const portOfService = parent !== null && parent.ns === wsdlNs && parent.local === 'port' && document.version === '1.1';
    if (
      portOfService &&
      element.local === 'address' &&
      attributeOf(element, 'location') !== undefined &&
      parent.children.find((c) => c.local === 'address') === element
    ) {
      claimed.set('location', { slot: 'address', suffix: endpoints[endpointIndex++]?.suffix ?? '' });
    }
    claim(element, parent, claimed);
    for (const child of element.children) visit(child, element);
  };
  visit(root, null);
  return edits.sort((a, b) => a.start - b.start);
}

const operationCountOf = (document: WsdlDocument): number => document.interfaces.reduce((n, i) => n + i.operations.length, 0);

function checkRendered(template: WsdlTemplate, source: string, original: WsdlDocument): void {
  const values: TemplateValues = {
    serviceName: 'Svc00000_000000',
    targetNamespace: 'http://gwscale.test/ws/Svc00000_000000',
    endpointBase: 'http://127.0.0.1:1',
  };
  const document = parseWsdlWithTree(renderTemplate(template, values), `${source} (as generated)`).document;
  const operations = operationCountOf(document);
  const addresses = document.services.flatMap((s) => s.endpoints.map((e) => e.address));
  const expected = template.endpoints.map((e) => `${values.endpointBase}/${values.serviceName}${e.suffix}`);
  const names = document.services.map((s) => s.name);
  const problem =
    document.targetNamespace !== values.targetNamespace + template.namespaceTerminator
      ? `its targetNamespace was not rewritten (got ${document.targetNamespace})`
      : names.some((n, i) => n !== serviceNameFor(values.serviceName, i))
        ? `its service names were not all rewritten (got ${names.join(', ')})`
        : addresses.join(' ') !== expected.join(' ')
          ? `its endpoint addresses were not all rewritten (got ${addresses.join(', ')})`
          : operations !== operationCountOf(original)
            ? `a generated copy has ${operations} operations, the original ${operationCountOf(original)}`
            : null;
  if (problem !== null) throw inputError(`${source}: cannot be used as a template: ${problem}`);
}

/**
 * Compiles a WSDL document into a template. The document must parse (see `parseWsdl`) and have a
 * targetNamespace. Comments and processing instructions before the root element are dropped, and
 * the output always declares UTF-8.
 */
export function compileTemplate(input: string | Uint8Array, source: string, options: ParseWsdlOptions = {}): WsdlTemplate {
  const original = parseWsdlWithTree(input, source, options);
  // Imported definitions are copied in, so the generated copies stand alone; that text is parsed again.
  const { document, text, root } =
    original.imported.length === 0 ? original : parseWsdlWithTree(flattenImports(original.text, original.root, original.imported), source);
  if (document.targetNamespace === '')
    throw inputError(`${source}: has no targetNamespace, so generated copies could not differ`, 'add targetNamespace="…" to the root element');
  const endpoints = suffixesFor(document);
  const edits = collectEdits(text, root, document, endpoints);
  const pieces: TemplatePiece[] = ['<?xml version="1.0" encoding="UTF-8"?>\n'];
  let at = root.startOffset;
  for (const edit of edits) {
    pieces.push(text.slice(at, edit.start), edit.before ?? '', edit.piece, edit.after ?? '');
    at = edit.end;
  }
  pieces.push(text.slice(at));
  if (!text.endsWith('\n')) pieces.push('\n');
  const last = document.targetNamespace.at(-1) ?? '';
  const template: WsdlTemplate = {
    source,
    version: document.version,
    targetNamespace: document.targetNamespace,
    operationCount: operationCountOf(document),
    serviceCount: document.services.length,
    endpoints,
    namespaceTerminator: SEPARATORS.includes(last) ? last : '',
    pieces: pieces.filter((p) => p !== ''),
    warnings: original.document.warnings,
  };
  checkRendered(template, source, original.document);
  return template;
}

/**
 * Loads every `*.wsdl` in a folder as a template (sorted by name).
 * @throws GwscaleError (kind `input`) naming the folder or the file that cannot be used.
 */
export function loadTemplates(dir: string, options: ParseWsdlOptions = {}): TemplateSet {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => n.toLowerCase().endsWith('.wsdl'))
      .sort();
  } catch (error) {
    throw inputError(`${dir}: cannot read the template folder (${messageOf(error)})`);
  }
  if (names.length === 0) throw inputError(`${dir}: holds no *.wsdl files to use as templates`);
  const templates = names.map((name) => {
    const path = join(dir, name);
    return compileTemplate(readWsdlBytes(path, options), path, { importRoot: dir, ...options });
  });
  return { source: dir, templates };
}

/** The folder of built-in templates (`wsdl/` at the package root, next to `src/` and `dist/`). */
export const builtinTemplateDir = fileURLToPath(new URL('../../wsdl/', import.meta.url));

let builtin: TemplateSet | undefined;

/** gwscale's own templates: WSDL 1.1 and 2.0 order services (4 operations, SOAP 1.1 and 1.2). Loaded once. */
export function builtinTemplates(): TemplateSet {
  builtin ??= { ...loadTemplates(builtinTemplateDir), source: 'built-in' };
  return builtin;
}
