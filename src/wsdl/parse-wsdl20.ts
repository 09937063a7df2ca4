/** WSDL 2.0 (`description`, `interface`, `binding`, `service`/`endpoint`) → the shared model. */
import type { BindingProtocol, MessagePattern, WsdlBinding, WsdlDocument, WsdlEndpoint, WsdlInterface, WsdlOperation, WsdlReference, WsdlService } from './model.js';
import { WSDL20_HTTP_NS, WSDL20_NS, WSDL20_SOAP_NS } from './namespaces.js';
import { ParseContext, schemaReferences, wsdlReference } from './parse-context.js';
import { attributeOf, childrenNamed, clarkName, qualifiedAttributeOf, resolveQName, type XmlElement } from './xml-tree.js';

const PATTERN_BASE = 'http://www.w3.org/ns/wsdl/';
const knownPatterns = new Set<MessagePattern>(['in-out', 'in-only', 'robust-in-only', 'out-in', 'out-only']);

/** The `pattern` URI; absent means in-out (WSDL 2.0 part 1, 2.4.2.1). */
function patternOf(operation: XmlElement): MessagePattern {
  const uri = attributeOf(operation, 'pattern')?.trim();
  if (uri === undefined) return 'in-out';
  const name = uri.startsWith(PATTERN_BASE) ? uri.slice(PATTERN_BASE.length) : '';
  return knownPatterns.has(name as MessagePattern) ? (name as MessagePattern) : 'other';
}

function elementOf(ctx: ParseContext, io: XmlElement | undefined, referrer: string): string | null {
  const raw = io === undefined ? undefined : attributeOf(io, 'element')?.trim();
  // #any, #none and #other are message content models, not element names.
  if (io === undefined || raw === undefined || raw.startsWith('#')) return null;
  const name = resolveQName(io, raw);
  if (name === null) ctx.fail(`${referrer} names element ${raw}, whose prefix is not declared`);
  return clarkName(name);
}

function readInterfaces(ctx: ParseContext, elements: ReadonlyMap<string, XmlElement>): WsdlInterface[] {
  const own = (name: string, element: XmlElement): WsdlOperation[] =>
    childrenNamed(element, WSDL20_NS, 'operation').map((operation) => {
      const opName = ctx.nameOf(operation, `an operation of interface ${name}`);
      const where = `interface ${name} operation ${opName}`;
      return {
        name: opName,
        pattern: patternOf(operation),
        inputElement: elementOf(ctx, childrenNamed(operation, WSDL20_NS, 'input')[0], `${where} input`),
        outputElement: elementOf(ctx, childrenNamed(operation, WSDL20_NS, 'output')[0], `${where} output`),
      };
    });
  // `extends` brings in the operations of other interfaces of this document (imported ones are not read).
  const withInherited = (name: string, seen: Set<string>): WsdlOperation[] => {
    const element = elements.get(name);
    if (element === undefined || seen.has(name)) return [];
    seen.add(name);
    const inherited = (attributeOf(element, 'extends') ?? '').split(/\s+/).filter((s) => s !== '').flatMap((ref) => {
      const parent = resolveQName(element, ref);
      return parent !== null && parent.ns === ctx.targetNamespace ? withInherited(parent.local, seen) : [];
    });
    const operations = own(name, element);
    const names = new Set(operations.map((o) => o.name));
    return [...operations, ...inherited.filter((o) => !names.has(o.name))];
  };
  return [...elements.keys()].map((name) => ({ name, operations: withInherited(name, new Set()) }));
}

function protocolOf(ctx: ParseContext, name: string, binding: XmlElement): BindingProtocol {
  const type = attributeOf(binding, 'type')?.trim();
  if (type === undefined) ctx.fail(`binding ${name} has no type attribute`, `a SOAP binding says type="${WSDL20_SOAP_NS}"`);
  if (type === WSDL20_HTTP_NS) return 'http';
  if (type !== WSDL20_SOAP_NS) return 'other';
  // wsoap:version defaults to 1.2 in WSDL 2.0.
  return qualifiedAttributeOf(binding, WSDL20_SOAP_NS, 'version')?.trim() === '1.1' ? 'soap11' : 'soap12';
}

function readBinding(ctx: ParseContext, name: string, binding: XmlElement, interfaces: ReadonlyMap<string, XmlElement>, operationsOf: ReadonlyMap<string, ReadonlySet<string>>): WsdlBinding {
  const protocol = protocolOf(ctx, name, binding);
  // An interface-less binding is legal in 2.0 (reusable binding); it then binds no operations.
  const bound = attributeOf(binding, 'interface') === undefined ? { local: '', definition: null } : ctx.follow(binding, 'interface', interfaces, 'interface', `binding ${name}`);
  const known = bound.definition === null ? null : (operationsOf.get(bound.local) ?? null);
  const operations = childrenNamed(binding, WSDL20_NS, 'operation').map((operation) => {
    const ref = attributeOf(operation, 'ref');
    if (ref === undefined) ctx.fail(`binding ${name} has an operation without a ref attribute`);
    const opName = resolveQName(operation, ref)?.local ?? ref;
    if (known !== null && !known.has(opName)) ctx.fail(`binding ${name} operation ${opName} is not an operation of interface ${bound.local}`);
    return { name: opName, soapAction: qualifiedAttributeOf(operation, WSDL20_SOAP_NS, 'action') ?? null };
  });
  return { name, interfaceName: bound.local, protocol, operations };
}

function readService(ctx: ParseContext, name: string, service: XmlElement, bindings: ReadonlyMap<string, XmlElement>, interfaces: ReadonlyMap<string, XmlElement>): WsdlService {
  ctx.follow(service, 'interface', interfaces, 'interface', `service ${name}`);
  const endpointElements = ctx.table(childrenNamed(service, WSDL20_NS, 'endpoint'), `endpoint of service ${name}`);
  if (endpointElements.size === 0) ctx.fail(`service ${name} has no endpoint`, 'each service needs an <endpoint binding="…" address="http://…"/>');
  const endpoints = [...endpointElements].map(([endpointName, endpoint]): WsdlEndpoint => {
    const { local: bindingName } = ctx.follow(endpoint, 'binding', bindings, 'binding', `service ${name} endpoint ${endpointName}`);
    const address = attributeOf(endpoint, 'address')?.trim();
    if (address === undefined || address === '') ctx.fail(`service ${name} endpoint ${endpointName} has no address`, 'add address="http://…" to the endpoint');
    return { name: endpointName, bindingName, address };
  });
  return { name, endpoints };
}

/** Reads a `wsdl:description` root. */
export function parseWsdl20(root: XmlElement, source: string): WsdlDocument {
  const references: WsdlReference[] = [
    ...childrenNamed(root, WSDL20_NS, 'import').map((e) => wsdlReference(e, 'wsdl-import')),
    ...childrenNamed(root, WSDL20_NS, 'include').map((e) => wsdlReference(e, 'wsdl-include')),
    ...childrenNamed(root, WSDL20_NS, 'types').flatMap(schemaReferences),
  ];
  const targetNamespace = attributeOf(root, 'targetNamespace') ?? '';
  const ctx = new ParseContext(source, targetNamespace, references);
  const interfaceElements = ctx.table(childrenNamed(root, WSDL20_NS, 'interface'), 'interface');
  const bindingElements = ctx.table(childrenNamed(root, WSDL20_NS, 'binding'), 'binding');
  const serviceElements = ctx.table(childrenNamed(root, WSDL20_NS, 'service'), 'service');
  const interfaces = readInterfaces(ctx, interfaceElements);
  const operationsOf = new Map(interfaces.map((i) => [i.name, new Set(i.operations.map((o) => o.name))]));
  const bindings = [...bindingElements].map(([name, binding]) => readBinding(ctx, name, binding, interfaceElements, operationsOf));
  const services = [...serviceElements].map(([name, service]) => readService(ctx, name, service, bindingElements, interfaceElements));
  return { version: '2.0', source, name: null, targetNamespace, services, bindings, interfaces, references };
}
