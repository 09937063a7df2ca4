/**
 * A template must stand alone: the gateway that registers a generated service cannot read the
 * files beside the user's WSDL. So the definitions of the local WSDL documents a template imports
 * are copied into it, each with the namespace declarations it had in scope, and the imports of those
 * documents are dropped. Schemas (`types`) and documentation are not copied.
 */
import type { ImportedDocument } from './local-imports.js';
import { attributeOf, type XmlElement } from './xml-tree.js';

// One character per step, as in xml-skeleton.ts: a start tag up to its `>`.
const startTagEnd = /(?:[^>"']|"[^"]*"|'[^']*')*>/y;

/** Offset just past the `>` of the start tag at `offset`. */
export function startTagEndOf(text: string, offset: number): number {
  startTagEnd.lastIndex = offset;
  return startTagEnd.exec(text) === null ? offset : startTagEnd.lastIndex;
}

const copied = new Set(['message', 'portType', 'interface', 'binding', 'service']);

/** Where each child of `root` ends: at the next child's start, the last one at the root's end tag. */
function childSpans(text: string, root: XmlElement): { element: XmlElement; start: number; end: number }[] {
  const rootEnd = text.lastIndexOf('</');
  return root.children.map((element, i) => ({ element, start: element.startOffset, end: root.children[i + 1]?.startOffset ?? rootEnd }));
}

/** Names of the attributes written in the start tag at `offset`. */
function attributeNames(text: string, offset: number): Set<string> {
  const tag = text.slice(offset, startTagEndOf(text, offset));
  return new Set([...tag.matchAll(/\s([^\s=/>]+)\s*=/g)].map((m) => m[1] ?? ''));
}

const escapeAttribute = (value: string): string => value.replace(/[&<"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&quot;'));

/** A top-level definition's text, its start tag declaring every namespace that was in scope for it. */
function definitionText(document: ImportedDocument, element: XmlElement, start: number, end: number): string {
  const own = attributeNames(document.text, start);
  const declarations = [...element.scope]
    .filter(([prefix]) => prefix !== 'xml' && !own.has(prefix === '' ? 'xmlns' : `xmlns:${prefix}`))
    .map(([prefix, ns]) => ` ${prefix === '' ? 'xmlns' : `xmlns:${prefix}`}="${escapeAttribute(ns)}"`)
    .join('');
  const afterName = start + 1 + element.qname.length;
  return document.text.slice(start, afterName) + declarations + document.text.slice(afterName, end).trimEnd() + '\n';
}

/**
 * The main document's text with its followed WSDL imports and includes removed and the imported
 * definitions appended before its end tag. Returns the text unchanged when nothing was imported.
 */
export function flattenImports(text: string, root: XmlElement, imported: readonly ImportedDocument[]): string {
  if (imported.length === 0) return text;
  const removals = childSpans(text, root).filter(
    ({ element }) => element.ns === root.ns && (element.local === 'import' || element.local === 'include') && attributeOf(element, 'location') !== undefined,
  );
  let out = '';
  let at = 0;
  for (const { start, end } of removals) {
    out += text.slice(at, start);
    at = end;
  }
  const rootEnd = text.lastIndexOf('</');
  out += text.slice(at, rootEnd);
  for (const document of imported) {
    for (const { element, start, end } of childSpans(document.text, document.root)) {
      if (element.ns === document.root.ns && copied.has(element.local)) out += definitionText(document, element, start, end);
    }
  }
  return out + text.slice(rootEnd);
}
