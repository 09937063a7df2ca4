/**
 * What the WSDL 1.1 and 2.0 readers share: one-line errors naming the file, tables of named
 * definitions gathered from the document and the local documents it imports, and QName references
 * resolved by namespace URI — or, leniently, by local name with a warning.
 */
import { inputError } from '../errors.js';
import type { ImportedDocument } from './local-imports.js';
import type { Recoveries } from './recoveries.js';
import { attributeOf, childrenNamed, localPartOf, prefixOf, resolveQName, type XmlElement } from './xml-tree.js';

/** A named top-level definition and the targetNamespace of the document that defines it. */
export interface Definition {
  readonly element: XmlElement;
  readonly ns: string;
}

/** Definitions of one kind by local name (several namespaces may share a local name). */
export type DefinitionTable = ReadonlyMap<string, readonly Definition[]>;

export class ParseContext {
  constructor(
    readonly source: string,
    readonly targetNamespace: string,
    /** The main document first, then the local documents it imports. */
    readonly roots: readonly ImportedDocument[],
    /** True when the document imports or includes WSDL documents that were not read. */
    readonly unreadDefinitions: boolean,
    readonly recoveries: Recoveries,
  ) {}

  fail(message: string, hint?: string, at?: XmlElement): never {
    throw inputError(`${at?.source ?? this.source}: ${message}`, hint);
  }

  /** Records what was assumed at `at` (or, strict, refuses with `error`). */
  recover(at: XmlElement, assumed: string, error: string, hint?: string): void {
    this.recoveries.note(at.source, at.line, assumed, error, hint);
  }

  /** The `name` attribute of a definition; an error naming `what` when it is missing. */
  nameOf(element: XmlElement, what: string): string {
    const name = attributeOf(element, 'name');
    if (name === undefined || name.trim() === '') this.fail(`${what} has no name attribute`, undefined, element);
    return name.trim();
  }

  /**
   * Gathers the top-level `ns:local` definitions of every document read. A name defined twice in
   * one document is refused; across documents the first is kept, with a warning.
   */
  table(ns: string, local: string, kind: string): DefinitionTable {
    const table = new Map<string, Definition[]>();
    for (const { root } of this.roots) {
      const documentNs = attributeOf(root, 'targetNamespace') ?? '';
      for (const element of childrenNamed(root, ns, local)) {
        const name = this.nameOf(element, `a ${kind}`);
        const list = table.get(name) ?? [];
        const twin = list.find((d) => d.ns === documentNs);
        if (twin !== undefined && twin.element.source === element.source) {
          this.fail(`defines ${kind} ${name} twice`, `${kind} names must be unique within a document`, element);
        }
        if (twin !== undefined) {
          this.recover(
            element,
            `${kind} ${name} is also defined in ${twin.element.source}; used that one`,
            `defines ${kind} ${name}, which ${twin.element.source} defines too`,
          );
          continue;
        }
        list.push({ element, ns: documentNs });
        table.set(name, list);
      }
    }
    return table;
  }

  /**
   * The ports/endpoints of a service with their names, refusing none at all and duplicates.
   * `hint` says what a service needs.
   */
  endpointsOf(service: XmlElement, serviceName: string, ns: string, kind: 'port' | 'endpoint', hint: string): [string, XmlElement][] {
    const elements = childrenNamed(service, ns, kind);
    if (elements.length === 0) this.fail(`service ${serviceName} has no ${kind}`, hint, service);
    const seen = new Set<string>();
    return elements.map((element) => {
      const name = this.nameOf(element, `a ${kind} of service ${serviceName}`);
      if (seen.has(name)) this.fail(`defines ${kind} of service ${serviceName} ${name} twice`, `${kind} names must be unique within a service`, element);
      seen.add(name);
      return [name, element];
    });
  }

  /** Every definition of a table, in document order. */
  static all(table: DefinitionTable): [string, Definition][] {
    return [...table].flatMap(([name, list]) => list.map((d): [string, Definition] => [name, d]));
  }

  /**
   * Follows a QName reference (`binding="tns:QuoteBinding"`) into a table. Returns the local name
   * and the definition, or null as definition when it may live in a document not read. When the
   * prefix is undeclared or the namespace differs, the definition of that local name is taken, with
   * a warning. A reference nothing can satisfy is an error, unless `missing` says what to assume.
   */
  follow(
    from: XmlElement,
    attribute: string,
    table: DefinitionTable,
    kind: string,
    referrer: string,
    missing?: string,
  ): { local: string; definition: XmlElement | null } {
    const raw = attributeOf(from, attribute)?.trim();
    if (raw === undefined || raw === '') this.fail(`${referrer} has no ${attribute} attribute naming its ${kind}`, undefined, from);
    const name = resolveQName(from, raw);
    const local = name?.local ?? localPartOf(raw);
    const candidates = table.get(local) ?? [];
    const exact = name === null ? undefined : candidates.find((d) => d.ns === name.ns);
    if (exact !== undefined) return { local, definition: exact.element };
    const byLocalName = candidates[0];
    if (name === null) {
      const error = `${referrer} names ${kind} ${raw}, whose prefix is not declared`;
      if (byLocalName === undefined && !this.unreadDefinitions && missing === undefined) this.fail(error, `declare xmlns:${prefixOf(raw)}="…"`, from);
      const assumed =
        byLocalName !== undefined
          ? `the ${kind} ${local} defined in ${byLocalName.ns || '(no namespace)'}`
          : this.unreadDefinitions
            ? 'it lives in a document not read'
            : (missing ?? '');
      this.recover(
        from,
        `${referrer} names ${kind} ${raw}, whose prefix "${prefixOf(raw)}" is not declared; assumed ${assumed}`,
        error,
        `declare xmlns:${prefixOf(raw)}="…"`,
      );
      return { local, definition: byLocalName?.element ?? null };
    }
    if (byLocalName !== undefined) {
      const error = `${referrer} names ${kind} ${local} in namespace ${name.ns || '(none)'} (the document's targetNamespace is ${this.targetNamespace || '(none)'}), which the document does not define`;
      if (this.unreadDefinitions) return { local, definition: null };
      this.recover(from, `${referrer} names ${kind} {${name.ns}}${local}, defined only in namespace ${byLocalName.ns || '(none)'}; assumed that one`, error);
      return { local, definition: byLocalName.element };
    }
    if (this.unreadDefinitions) return { local, definition: null };
    const error = `${referrer} names ${kind} ${local}, which the document does not define`;
    if (missing === undefined) this.fail(error, undefined, from);
    this.recover(from, `${referrer} names ${kind} ${local}, which no document defines; assumed ${missing}`, error);
    return { local, definition: null };
  }
}
