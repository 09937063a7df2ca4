/**
 * Sample content for a request element, read from the XML Schema inside a WSDL (1.1 `definitions`
 * or 2.0 `description`, both keep schemas under `types`): each child element with a value of its
 * type (`xs:int` → 1, `xs:string` → sample, an enumeration → its first value). Off the hot path.
 */
import { XMLParser } from 'fast-xml-parser';
import { escapeXml, splitClarkName } from '../soap/envelope.js';

type Node = Record<string, unknown>;

const repeated = new Set(['schema', 'element', 'complexType', 'simpleType', 'sequence', 'all', 'choice', 'enumeration']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  parseAttributeValue: false,
  parseTagValue: false,
  isArray: (name) => repeated.has(name),
});

/** Deepest nesting of complex elements rendered; deeper content is left out. */
const MAX_DEPTH = 4;
/** Most child elements rendered per element. */
const MAX_CHILDREN = 50;

interface Schema {
  readonly ns: string;
  readonly qualified: boolean;
  readonly node: Node;
}

const asNodes = (value: unknown): Node[] => (Array.isArray(value) ? value.filter((v): v is Node => typeof v === 'object' && v !== null) : []);
const attr = (node: Node, name: string): string | undefined => {
  const value = node[`@_${name}`];
  return typeof value === 'string' ? value : undefined;
};
const localOf = (prefixed: string): string => prefixed.slice(prefixed.indexOf(':') + 1);

const builtinSamples: Readonly<Record<string, string>> = {
  int: '1',
  integer: '1',
  long: '1',
  short: '1',
  byte: '1',
  nonNegativeInteger: '1',
  positiveInteger: '1',
  unsignedInt: '1',
  unsignedLong: '1',
  unsignedShort: '1',
  unsignedByte: '1',
  negativeInteger: '-1',
  nonPositiveInteger: '0',
  decimal: '1.5',
  float: '1.5',
  double: '1.5',
  boolean: 'true',
  date: '2024-01-01',
  dateTime: '2024-01-01T00:00:00Z',
  time: '12:00:00',
  duration: 'PT1S',
  base64Binary: 'AA==',
  hexBinary: '00',
};

class SchemaSet {
  constructor(private readonly schemas: readonly Schema[]) {}

  /** Finds a top-level schema component by kind and local name, preferring the given namespace. */
  find(kind: 'element' | 'complexType' | 'simpleType', local: string, ns?: string): { node: Node; schema: Schema } | null {
    let fallback: { node: Node; schema: Schema } | null = null;
    for (const schema of this.schemas) {
      const node = asNodes(schema.node[kind]).find((n) => attr(n, 'name') === local);
      if (node === undefined) continue;
      if (ns === undefined || schema.ns === ns) return { node, schema };
      fallback ??= { node, schema };
    }
    return fallback;
  }

  /** XML of an element's content: child elements, or a sample value for a simple type. */
  content(element: Node, schema: Schema, bodyNs: string, depth: number): string {
    const inline = asNodes(element.complexType)[0];
    if (inline !== undefined) return this.particles(inline, schema, bodyNs, depth);
    const inlineSimple = asNodes(element.simpleType)[0];
    if (inlineSimple !== undefined) return this.simpleSample(inlineSimple, 'string');
    const type = attr(element, 'type');
    if (type === undefined) return '';
    const local = localOf(type);
    const complex = this.find('complexType', local);
    if (complex !== null) return this.particles(complex.node, complex.schema, bodyNs, depth);
    const simple = this.find('simpleType', local);
    if (simple !== null) return this.simpleSample(simple.node, 'string');
    return escapeXml(builtinSamples[local] ?? 'sample');
  }

  private simpleSample(simpleType: Node, fallbackBase: string): string {
    const restriction = simpleType.restriction as Node | undefined;
    const first = restriction === undefined ? undefined : asNodes(restriction.enumeration)[0];
    const value = first === undefined ? undefined : attr(first, 'value');
    if (value !== undefined) return escapeXml(value);
    const base = restriction === undefined ? fallbackBase : localOf(attr(restriction, 'base') ?? fallbackBase);
    return escapeXml(builtinSamples[base] ?? 'sample');
  }

  /** Child elements of a complex type: sequence and all in full, a choice by its first option. */
  private particles(complexType: Node, schema: Schema, bodyNs: string, depth: number): string {
    if (depth >= MAX_DEPTH) return '';
    const groups = [...asNodes(complexType.sequence), ...asNodes(complexType.all)];
    const elements: Node[] = groups.flatMap((g) => [...asNodes(g.element), ...asNodes(g.choice).flatMap((c) => asNodes(c.element).slice(0, 1))]);
    elements.push(...asNodes(complexType.choice).flatMap((c) => asNodes(c.element).slice(0, 1)));
    return elements
      .slice(0, MAX_CHILDREN)
      .map((child) => this.childXml(child, schema, bodyNs, depth + 1))
      .join('');
  }

  private childXml(child: Node, schema: Schema, bodyNs: string, depth: number): string {
    const ref = attr(child, 'ref');
    if (ref !== undefined) {
      const target = this.find('element', localOf(ref));
      if (target === null) return '';
      return this.tag(localOf(ref), target.schema.ns, bodyNs, this.content(target.node, target.schema, bodyNs, depth));
    }
    const name = attr(child, 'name');
    if (name === undefined) return '';
    const qualified = attr(child, 'form') === 'qualified' || (attr(child, 'form') === undefined && schema.qualified);
    return this.tag(name, qualified ? schema.ns : '', bodyNs, this.content(child, schema, bodyNs, depth));
  }

  private tag(local: string, ns: string, bodyNs: string, inner: string): string {
    if (ns === '') return `<${local}>${inner}</${local}>`;
    if (ns === bodyNs) return `<ns:${local}>${inner}</ns:${local}>`;
    return `<q:${local} xmlns:q="${escapeXml(ns)}">${inner}</q:${local}>`;
  }
}

/**
 * Content (child elements with sample values) of the global element `elementQName` (Clark
 * notation) as declared in the WSDL's schemas; '' when the WSDL does not declare it or cannot be
 * read. Children in the element's own namespace use the prefix `ns` that `buildEnvelope` binds.
 */
export function sampleContent(wsdlText: string, elementQName: string): string {
  let doc: Node;
  try {
    doc = parser.parse(wsdlText) as Node;
  } catch {
    return '';
  }
  const root = (doc.definitions ?? doc.description) as Node | undefined;
  const types = root?.types as Node | undefined;
  if (types === undefined) return '';
  const schemas = asNodes(types.schema).map((node) => ({
    ns: attr(node, 'targetNamespace') ?? '',
    qualified: attr(node, 'elementFormDefault') === 'qualified',
    node,
  }));
  const set = new SchemaSet(schemas);
  const { ns, local } = splitClarkName(elementQName);
  const element = set.find('element', local, ns);
  return element === null ? '' : set.content(element.node, element.schema, ns, 0);
}
