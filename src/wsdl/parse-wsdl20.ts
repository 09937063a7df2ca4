/** WSDL 2.0 (`description`, `interface`, `binding`, `service`/`endpoint`) → the shared model. */
import type { BindingProtocol, MessagePattern, WsdlBinding, WsdlDocument, WsdlEndpoint, WsdlInterface, WsdlOperation, WsdlService } from './model.js';
import { WSDL20_HTTP_NS, WSDL20_NS, WSDL20_SOAP_NS } from './namespaces.js';
import { ParseContext, type DefinitionTable } from './parse-context.js';
import type { ReadDocumentParts } from './parse-parts.js';
import { attributeOf, childrenNamed, clarkName, localPartOf, prefixOf, qualifiedAttributeOf, resolveQName, type XmlElement } from './xml-tree.js';

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
  if (name !== null) return clarkName(name);
  ctx.recover(
    io,
    `${referrer} names element ${raw}, whose prefix "${prefixOf(raw)}" is not declared; assumed element ${localPartOf(raw)} by its local name`,
    `${referrer} names element ${raw}, whose prefix is not declared`,
  );
  return localPartOf(raw);
}

function readInterfaces(ctx: ParseContext, table: DefinitionTable): WsdlInterface[] {
  const elements = new Map(ParseContext.all(table).map(([name, d]) => [name, d.element]));
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
    const inherited = (attributeOf(element, 'extends') ?? '')
      .split(/\s+/)
      .filter((s) => s !== '')
      .flatMap((ref) => {
        const parent = resolveQName(element, ref);
        return parent !== null && (table.get(parent.local) ?? []).some((d) => d.ns === parent.ns) ? withInherited(parent.local, seen) : [];
      });
    const operations = own(name, element);
    const names = new Set(operations.map((o) => o.name));
    return [...operations, ...inherited.filter((o) => !names.has(o.name))];
  };
  return [...elements.keys()].map((name) => ({ name, operations: withInherited(name, new Set()) }));
}

function protocolOf(ctx: ParseContext, name: string, binding: XmlElement): BindingProtocol {
  const type = attributeOf(binding, 'type')?.trim();
  if (type === undefined) ctx.fail(`binding ${name} has no type attribute`, `a SOAP binding says type="${WSDL20_SOAP_NS}"`, binding);
  if (type === WSDL20_HTTP_NS) return 'http';
  if (type !== WSDL20_SOAP_NS) return 'other';
  // wsoap:version defaults to 1.2 in WSDL 2.0.
  return qualifiedAttributeOf(binding, WSDL20_SOAP_NS, 'version')?.trim() === '1.1' ? 'soap11' : 'soap12';
}

function readBinding(
  ctx: ParseContext,
  name: string,
  binding: XmlElement,
  interfaces: DefinitionTable,
  operationsOf: ReadonlyMap<string, ReadonlySet<string>>,
): WsdlBinding {
  const protocol = protocolOf(ctx, name, binding);
  // An interface-less binding is legal in 2.0 (reusable binding); it then binds no operations.
  const bound =
    attributeOf(binding, 'interface') === undefined
      ? { local: '', definition: null }
      : ctx.follow(binding, 'interface', interfaces, 'interface', `binding ${name}`);
  const known = bound.definition === null ? null : (operationsOf.get(bound.local) ?? null);
  const operations = childrenNamed(binding, WSDL20_NS, 'operation').flatMap((operation) => {
    const ref = attributeOf(operation, 'ref');
    if (ref === undefined) ctx.fail(`binding ${name} has an operation without a ref attribute`, undefined, operation);
    const opName = localPartOf(ref);
    if (known !== null && !known.has(opName)) {
      ctx.recover(
        operation,
        `binding ${name} operation ${opName} is not an operation of interface ${bound.local}; ignored it (the interface's operations are used)`,
        `binding ${name} operation ${opName} is not an operation of interface ${bound.local}`,
      );
      return [];
    }
    return [{ name: opName, soapAction: qualifiedAttributeOf(operation, WSDL20_SOAP_NS, 'action') ?? null }];
  });
  return { name, interfaceName: bound.local, protocol, operations };
}

function readService(ctx: ParseContext, name: string, service: XmlElement, bindings: DefinitionTable, interfaces: DefinitionTable): WsdlService {
  ctx.follow(service, 'interface', interfaces, 'interface', `service ${name}`);
  const endpointElements = ctx.endpointsOf(service, name, WSDL20_NS, 'endpoint', 'each service needs an <endpoint binding="…" address="http://…"/>');
  const endpoints = endpointElements.map(([endpointName, endpoint]): WsdlEndpoint => {
    const { local: bindingName } = ctx.follow(endpoint, 'binding', bindings, 'binding', `service ${name} endpoint ${endpointName}`);
    const address = attributeOf(endpoint, 'address')?.trim() ?? '';
    if (address === '') {
      ctx.recover(
        endpoint,
        `service ${name} endpoint ${endpointName} has no address; assumed none (as a template, gwscale writes one)`,
        `service ${name} endpoint ${endpointName} has no address`,
        'add address="http://…" to the endpoint',
      );
    }
    return { name: endpointName, bindingName, address };
  });
  return { name, endpoints };
}

/** Reads a `wsdl:description` root and the local WSDL 2.0 documents it imports or includes. */
export function parseWsdl20(parts: ReadDocumentParts): WsdlDocument {
  const { root, source, recoveries } = parts;
  const targetNamespace = attributeOf(root, 'targetNamespace') ?? '';
  const ctx = new ParseContext(source, targetNamespace, [{ source, root, text: '' }, ...parts.imported], parts.unreadDefinitions, recoveries);
  const interfaceTable = ctx.table(WSDL20_NS, 'interface', 'interface');
  const bindingTable = ctx.table(WSDL20_NS, 'binding', 'binding');
  const serviceTable = ctx.table(WSDL20_NS, 'service', 'service');
  const interfaces = readInterfaces(ctx, interfaceTable);
  const operationsOf = new Map(interfaces.map((i) => [i.name, new Set(i.operations.map((o) => o.name))]));
  const bindings = ParseContext.all(bindingTable).map(([name, d]) => readBinding(ctx, name, d.element, interfaceTable, operationsOf));
  const services = ParseContext.all(serviceTable).map(([name, d]) => readService(ctx, name, d.element, bindingTable, interfaceTable));
  return { version: '2.0', source, name: null, targetNamespace, services, bindings, interfaces, references: parts.references, warnings: recoveries.warnings };
}
