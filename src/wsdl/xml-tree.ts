/**
 * Safe XML → namespace-resolved element tree. Refuses DTDs before parsing (no entity can expand or
 * reach a file or URL), checks well-formedness with fast-xml-parser's validator, then parses with
 * fast-xml-parser and resolves every prefix to its namespace URI.
 */
import { XMLParser, XMLValidator, type EntityDecoderOptions } from 'fast-xml-parser';
import { inputError } from '../errors.js';
import { XML_NS, wellKnownNamespaceOf } from './namespaces.js';
import { countChar, skeletonOf, XmlLimitError, type XmlSkeleton } from './xml-skeleton.js';

/** An attribute with its namespace resolved; unprefixed attributes have namespace `''`. */
export interface XmlAttribute {
  readonly qname: string;
  readonly ns: string;
  readonly local: string;
  readonly value: string;
}

/** An element with its namespace resolved. Text content is dropped: WSDL structure lives in elements and attributes. */
export interface XmlElement {
  readonly qname: string;
  readonly ns: string;
  readonly local: string;
  /** Attributes other than namespace declarations. */
  readonly attributes: readonly XmlAttribute[];
  readonly children: readonly XmlElement[];
  /** Prefix → namespace URI in scope on this element (`''` is the default namespace). */
  readonly scope: ReadonlyMap<string, string>;
  /** Offset of this element's `<` in the parsed text (lets templates rewrite attributes in place). */
  readonly startOffset: number;
  /** 1-based line of this element's `<` in its document, for warnings. */
  readonly line: number;
  /** The document it came from (file path or URL), for warnings and errors. */
  readonly source: string;
}

/**
 * How to treat a prefix used but never declared: null refuses the document (strict XML namespaces);
 * a function accepts it, resolving the prefix to its well-known namespace (or a placeholder), and
 * is told once per prefix and document.
 */
export type UndeclaredPrefixHandler = ((prefix: string, assumedNs: string, line: number, qname: string) => void) | null;

/** Options of {@link parseXmlTree}. */
export interface XmlTreeOptions {
  readonly onUndeclaredPrefix?: UndeclaredPrefixHandler;
}

/** Namespace given to an undeclared prefix that has no well-known namespace: matches no WSDL construct. */
export const undeclaredNamespace = (prefix: string): string => `urn:gwscale:undeclared-prefix:${prefix}`;

/** How deep elements may nest; real WSDLs with inline schemas stay well under 40. */
export const MAX_XML_DEPTH = 100;

/**
 * Most tags (`<`) and tags plus attributes (`<` and `=`) a document may hold, so its parsed tree stays
 * near 150 MB whatever its shape. The largest real WSDLs (Salesforce enterprise) hold under 100,000 tags.
 */
export const MAX_XML_TAGS = 200_000;
export const MAX_XML_TAGS_AND_ATTRIBUTES = 600_000;

/** Documents larger than this are parsed from their skeleton (markup without text, see xml-skeleton.ts). */
const SKELETON_THRESHOLD_CHARS = 256 * 1024;

const predefinedEntities: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Decodes the five XML entities and character references; anything else is an error (there is no DTD to define it). */
function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z_][\w.-]*);/g, (whole, ref: string) => {
    if (ref.startsWith('#x')) return String.fromCodePoint(parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(parseInt(ref.slice(1), 10));
    const named = predefinedEntities[ref];
    if (named === undefined) throw new UndefinedEntityError(whole);
    return named;
  });
}

class UndefinedEntityError extends Error {}

const UNDEFINED_ENTITY_HINT = 'only &lt; &gt; &amp; &quot; &apos; and character references exist without a DTD';

const entityDecoder: EntityDecoderOptions = {
  setExternalEntities: () => undefined,
  addInputEntities: () => undefined,
  reset: () => undefined,
  setXmlVersion: () => undefined,
  decode: decodeEntities,
};

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  processEntities: true,
  entityDecoder,
  captureMetaData: true,
  maxNestedTags: MAX_XML_DEPTH,
});

const metaDataSymbol = XMLParser.getMetaDataSymbol() as symbol;

type OrderedNode = Record<string, unknown>;

function fail(source: string, message: string, hint?: string): never {
  // Messages quote the document; control characters from binary input must not reach the terminal.
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  const printable = message.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  throw inputError(`${source}: ${printable}`, hint);
}

function wellFormednessError(source: string, text: string): string | null {
  let verdict: ReturnType<typeof XMLValidator.validate>;
  try {
    verdict = XMLValidator.validate(text, { allowBooleanAttributes: false });
  } catch (error) {
    return `is not well-formed XML (${error instanceof Error ? error.message : String(error)})`;
  }
  if (verdict === true) return null;
  const { code, msg, line, col } = verdict.err;
  const unclosed = /^Invalid '\[([\s\S]*)\]' found\.$/.exec(msg);
  if (code === 'InvalidXml' && unclosed) {
    const names = (unclosed[1] ?? '')
      .split(',')
      .map((n) => n.trim().replace(/^"|"$/g, ''))
      .filter((n) => n !== '');
    return `ends before ${names.map((n) => `<${n}>`).join(', ')} ${names.length === 1 ? 'is' : 'are'} closed (truncated?)`;
  }
  const where = col === undefined ? `line ${line}` : `line ${line}, column ${col}`;
  if (line === 1 && (col ?? 1) <= 2 && code === 'InvalidChar') return `is not XML (${where}: ${msg})`;
  return `is not well-formed XML (${where}: ${msg})`;
}

function splitQName(qname: string): [prefix: string, local: string] {
  const colon = qname.indexOf(':');
  return colon < 0 ? ['', qname] : [qname.slice(0, colon), qname.slice(colon + 1)];
}

function elementName(node: OrderedNode): string | undefined {
  for (const key of Object.keys(node)) if (key !== ':@' && key !== '#text') return key;
  return undefined;
}

type OffsetMap = (offset: number) => number;

interface ConvertContext {
  readonly source: string;
  readonly toOriginal: OffsetMap;
  readonly lineOf: (offset: number) => number;
  readonly onUndeclaredPrefix: UndeclaredPrefixHandler;
  /** Undeclared prefixes already reported, with the namespace assumed for each. */
  readonly assumed: Map<string, string>;
}

/** Offset → 1-based line, by binary search over the offsets where lines start. */
function lineIndex(text: string): (offset: number) => number {
  const starts = [0];
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) starts.push(at + 1);
  return (offset) => {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((starts[mid] ?? 0) <= offset) low = mid;
      else high = mid - 1;
    }
    return low + 1;
  };
}

function undeclared(ctx: ConvertContext, prefix: string, qname: string, offset: number, message: string, hint?: string): string {
  if (ctx.onUndeclaredPrefix === null) fail(ctx.source, message, hint);
  let ns = ctx.assumed.get(prefix);
  if (ns === undefined) {
    ns = wellKnownNamespaceOf(prefix) ?? undeclaredNamespace(prefix);
    ctx.assumed.set(prefix, ns);
    ctx.onUndeclaredPrefix(prefix, ns, offset < 0 ? 1 : ctx.lineOf(offset), qname);
  }
  return ns;
}

function convert(node: OrderedNode, name: string, parentScope: ReadonlyMap<string, string>, ctx: ConvertContext): XmlElement {
  const meta = node[metaDataSymbol as unknown as string] as { startIndex?: number } | undefined;
  const startOffset = meta?.startIndex === undefined ? -1 : ctx.toOriginal(meta.startIndex);
  const rawAttributes = (node[':@'] ?? {}) as Record<string, string>;
  let scope = parentScope;
  const plain: [string, string][] = [];
  for (const [qname, value] of Object.entries(rawAttributes)) {
    if (qname === 'xmlns' || qname.startsWith('xmlns:')) {
      if (scope === parentScope) scope = new Map(parentScope);
      (scope as Map<string, string>).set(qname === 'xmlns' ? '' : qname.slice(6), value);
    } else {
      plain.push([qname, value]);
    }
  }
  const [prefix, local] = splitQName(name);
  const ns =
    scope.get(prefix) ??
    (prefix === ''
      ? ''
      : undeclared(
          ctx,
          prefix,
          name,
          startOffset,
          `element <${name}> uses prefix "${prefix}", which is not declared`,
          `add xmlns:${prefix}="…" to it or an ancestor`,
        ));
  const attributes = plain.map(([qname, value]): XmlAttribute => {
    const [attrPrefix, attrLocal] = splitQName(qname);
    if (attrPrefix === '') return { qname, ns: '', local: attrLocal, value };
    const attrNs =
      (attrPrefix === 'xml' ? XML_NS : scope.get(attrPrefix)) ??
      undeclared(ctx, attrPrefix, qname, startOffset, `attribute ${qname} on <${name}> uses prefix "${attrPrefix}", which is not declared`);
    return { qname, ns: attrNs, local: attrLocal, value };
  });
  const children: XmlElement[] = [];
  const content = node[name];
  if (Array.isArray(content)) {
    for (const child of content as OrderedNode[]) {
      const childName = elementName(child);
      if (childName !== undefined) children.push(convert(child, childName, scope, ctx));
    }
  }
  return { qname: name, ns, local, attributes, children, scope, startOffset, line: startOffset < 0 ? 1 : ctx.lineOf(startOffset), source: ctx.source };
}

/**
 * Parses XML text into its root element. Throws a one-line input error naming `source` for anything
 * that is not a single well-formed, DTD-free XML document.
 */
export function parseXmlTree(text: string, source: string, options: XmlTreeOptions = {}): XmlElement {
  if (text.trim() === '') fail(source, 'is empty');
  if (/<!DOCTYPE/i.test(text) || /<!ENTITY/i.test(text)) {
    fail(
      source,
      'has a DOCTYPE declaration, which gwscale refuses (entities could expand without bound or read files and URLs)',
      'a WSDL needs no DTD: remove the <!DOCTYPE …> block',
    );
  }
  const tags = countChar(text, '<');
  if (tags > MAX_XML_TAGS) fail(source, `holds ${tags.toLocaleString('en-US')} tags, more than the ${MAX_XML_TAGS.toLocaleString('en-US')} gwscale reads`);
  const attributes = countChar(text, '=');
  if (tags + attributes > MAX_XML_TAGS_AND_ATTRIBUTES) {
    fail(
      source,
      `holds ${(tags + attributes).toLocaleString('en-US')} tags and attributes, more than the ${MAX_XML_TAGS_AND_ATTRIBUTES.toLocaleString('en-US')} gwscale reads`,
    );
  }
  let skeleton: XmlSkeleton | null = null;
  try {
    if (text.length > SKELETON_THRESHOLD_CHARS) skeleton = skeletonOf(text, (run) => run.includes('&') && decodeEntities(run));
  } catch (error) {
    if (error instanceof UndefinedEntityError) fail(source, `uses the undefined entity ${error.message}`, UNDEFINED_ENTITY_HINT);
    if (error instanceof XmlLimitError) fail(source, error.message);
    throw error;
  }
  const problem = wellFormednessError(source, text);
  if (problem !== null) fail(source, problem);
  let nodes: OrderedNode[];
  try {
    nodes = parser.parse(skeleton?.text ?? text) as OrderedNode[];
  } catch (error) {
    if (error instanceof UndefinedEntityError) fail(source, `uses the undefined entity ${error.message}`, UNDEFINED_ENTITY_HINT);
    const message = error instanceof Error ? error.message : String(error);
    if (/nest/i.test(message)) fail(source, `nests elements deeper than ${MAX_XML_DEPTH} levels`);
    fail(source, `is not well-formed XML (${message})`);
  }
  const toOriginal: OffsetMap = skeleton?.toOriginalOffset ?? ((offset) => offset);
  const ctx: ConvertContext = { source, toOriginal, lineOf: lineIndex(text), onUndeclaredPrefix: options.onUndeclaredPrefix ?? null, assumed: new Map() };
  const roots = nodes.flatMap((node) => {
    const name = elementName(node);
    return name === undefined ? [] : [[node, name] as const];
  });
  if (roots.length !== 1 || roots[0] === undefined) fail(source, roots.length === 0 ? 'holds no XML element' : 'has more than one root element');
  const [rootNode, rootName] = roots[0];
  return convert(rootNode, rootName, new Map([['xml', XML_NS]]), ctx);
}

/** The value of an unqualified attribute, or undefined. */
export function attributeOf(element: XmlElement, local: string): string | undefined {
  for (const attribute of element.attributes) if (attribute.ns === '' && attribute.local === local) return attribute.value;
  return undefined;
}

/** The value of a namespace-qualified attribute (e.g. `wsoap:action`), or undefined. */
export function qualifiedAttributeOf(element: XmlElement, ns: string, local: string): string | undefined {
  for (const attribute of element.attributes) if (attribute.ns === ns && attribute.local === local) return attribute.value;
  return undefined;
}

/** Child elements with the given namespace and local name. */
export function childrenNamed(element: XmlElement, ns: string, local: string): XmlElement[] {
  return element.children.filter((child) => child.ns === ns && child.local === local);
}

/** A QName resolved against the namespaces in scope. */
export interface ResolvedQName {
  readonly ns: string;
  readonly local: string;
}

/** The local part of a QName (`tns:Foo` → `Foo`). */
export const localPartOf = (qname: string): string => splitQName(qname.trim())[1];

/** The prefix of a QName (`tns:Foo` → `tns`, `Foo` → `''`). */
export const prefixOf = (qname: string): string => splitQName(qname.trim())[0];

/** Resolves a QName-valued attribute (`tns:Foo`, or `Foo` in the default namespace); null if its prefix is undeclared. */
export function resolveQName(element: XmlElement, value: string): ResolvedQName | null {
  const [prefix, local] = splitQName(value.trim());
  const ns = element.scope.get(prefix);
  if (ns === undefined) return prefix === '' ? { ns: '', local } : null;
  return { ns, local };
}

/** `{ns}local` — how the model writes qualified names. */
export const clarkName = (name: ResolvedQName): string => (name.ns === '' ? name.local : `{${name.ns}}${name.local}`);
