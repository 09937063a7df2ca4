/**
 * What the WSDL 1.1 and 2.0 readers share: one-line errors naming the file, tables of named
 * definitions, and QName references resolved by namespace URI.
 */
import { inputError } from '../errors.js';
import type { WsdlReference } from './model.js';
import { XSD_NS } from './namespaces.js';
import { attributeOf, childrenNamed, resolveQName, type XmlElement } from './xml-tree.js';

export class ParseContext {
  /** True when the document imports or includes other WSDL documents, whose definitions we never read. */
  readonly hasExternalDefinitions: boolean;

  constructor(
    readonly source: string,
    readonly targetNamespace: string,
    readonly references: readonly WsdlReference[],
  ) {
    this.hasExternalDefinitions = references.some((r) => r.kind === 'wsdl-import' || r.kind === 'wsdl-include');
  }

  fail(message: string, hint?: string): never {
    throw inputError(`${this.source}: ${message}`, hint);
  }

  /** The `name` attribute of a definition; an error naming `what` when it is missing. */
  nameOf(element: XmlElement, what: string): string {
    const name = attributeOf(element, 'name');
    if (name === undefined || name.trim() === '') this.fail(`${what} has no name attribute`);
    return name.trim();
  }

  /** Builds a table of definitions by name, refusing duplicates. */
  table(elements: readonly XmlElement[], kind: string): Map<string, XmlElement> {
    const table = new Map<string, XmlElement>();
    for (const element of elements) {
      const name = this.nameOf(element, `a ${kind}`);
      if (table.has(name)) this.fail(`defines ${kind} ${name} twice`, `${kind} names must be unique within a document`);
      table.set(name, element);
    }
    return table;
  }

  /**
   * Follows a QName reference (`binding="tns:QuoteBinding"`) into a table of this document's
   * definitions. Returns the local name and the definition, or null as definition when it may live
   * in an imported document; a reference nothing can satisfy is an error.
   */
  follow<T>(from: XmlElement, attribute: string, table: ReadonlyMap<string, T>, kind: string, referrer: string): { local: string; definition: T | null } {
    const raw = attributeOf(from, attribute);
    if (raw === undefined || raw.trim() === '') this.fail(`${referrer} has no ${attribute} attribute naming its ${kind}`);
    const name = resolveQName(from, raw);
    if (name === null) this.fail(`${referrer} names ${kind} ${raw}, whose prefix is not declared`);
    const found = table.get(name.local);
    if (found !== undefined && name.ns === this.targetNamespace) return { local: name.local, definition: found };
    if (this.hasExternalDefinitions) return { local: name.local, definition: null };
    const nsNote = found !== undefined ? ` in namespace ${name.ns || '(none)'} (the document's targetNamespace is ${this.targetNamespace || '(none)'})` : '';
    return this.fail(`${referrer} names ${kind} ${name.local}${nsNote}, which the document does not define`);
  }
}

/** `xsd:import` / `xsd:include` / `xsd:redefine` of every schema inside a `types` element. */
export function schemaReferences(types: XmlElement): WsdlReference[] {
  const references: WsdlReference[] = [];
  for (const schema of childrenNamed(types, XSD_NS, 'schema')) {
    for (const child of schema.children) {
      if (child.ns !== XSD_NS) continue;
      if (child.local === 'import') {
        references.push({ kind: 'schema-import', namespace: attributeOf(child, 'namespace') ?? null, location: attributeOf(child, 'schemaLocation') ?? null });
      } else if (child.local === 'include' || child.local === 'redefine') {
        references.push({ kind: 'schema-include', namespace: null, location: attributeOf(child, 'schemaLocation') ?? null });
      }
    }
  }
  return references;
}

/** A wsdl:import / wsdl:include element as a reference (never followed). */
export function wsdlReference(element: XmlElement, kind: 'wsdl-import' | 'wsdl-include'): WsdlReference {
  return { kind, namespace: kind === 'wsdl-import' ? (attributeOf(element, 'namespace') ?? null) : null, location: attributeOf(element, 'location') ?? null };
}
