/** WSDL 1.1 (`definitions`, `portType`, `binding`, `service`/`port`) → the shared model. */
import type { BindingProtocol, MessagePattern, WsdlBinding, WsdlDocument, WsdlEndpoint, WsdlInterface, WsdlOperation, WsdlService } from './model.js';
import { WSDL11_HTTP_NS, WSDL11_NS, WSDL11_SOAP11_NS, WSDL11_SOAP12_NS } from './namespaces.js';
import { ParseContext, type DefinitionTable } from './parse-context.js';
import type { ReadDocumentParts } from './parse-parts.js';
import { attributeOf, childrenNamed, clarkName, localPartOf, prefixOf, resolveQName, type XmlElement } from './xml-tree.js';

const protocolByNamespace: Readonly<Record<string, BindingProtocol>> = {
  [WSDL11_SOAP11_NS]: 'soap11',
  [WSDL11_SOAP12_NS]: 'soap12',
  [WSDL11_HTTP_NS]: 'http',
};

/** 1.1 names patterns by the order of input and output (request-response, one-way, solicit-response, notification). */
function patternOf(operation: XmlElement): MessagePattern | null {
  const io = operation.children.filter((c) => c.ns === WSDL11_NS && (c.local === 'input' || c.local === 'output')).map((c) => c.local);
  if (io[0] === 'input') return io[1] === 'output' ? 'in-out' : 'in-only';
  if (io[0] === 'output') return io[1] === 'input' ? 'out-in' : 'out-only';
  return null;
}

function partElement(ctx: ParseContext, message: XmlElement): string | null {
  // Document/literal: the part with an `element`; rpc parts name types and have no element.
  const part = childrenNamed(message, WSDL11_NS, 'part').find((p) => attributeOf(p, 'element') !== undefined);
  const raw = part === undefined ? undefined : attributeOf(part, 'element')?.trim();
  if (part === undefined || raw === undefined) return null;
  const name = resolveQName(part, raw);
  if (name !== null) return clarkName(name);
  const messageName = attributeOf(message, 'name') ?? '';
  ctx.recover(
    part,
    `message ${messageName} part names element ${raw}, whose prefix "${prefixOf(raw)}" is not declared; assumed element ${localPartOf(raw)} by its local name`,
    `message ${messageName} part names element ${raw}, whose prefix is not declared`,
  );
  return localPartOf(raw);
}

function readOperations(ctx: ParseContext, portTypeName: string, portType: XmlElement, messages: DefinitionTable): WsdlOperation[] {
  const elementOf = (io: XmlElement | undefined, referrer: string): string | null => {
    if (io === undefined) return null;
    const { definition: message } = ctx.follow(io, 'message', messages, 'message', referrer, 'a message without an element');
    return message === null ? null : partElement(ctx, message);
  };
  return childrenNamed(portType, WSDL11_NS, 'operation').map((operation) => {
    const name = ctx.nameOf(operation, `an operation of portType ${portTypeName}`);
    let pattern = patternOf(operation);
    if (pattern === null) {
      ctx.recover(
        operation,
        `portType ${portTypeName} operation ${name} has neither input nor output; assumed message pattern "other"`,
        `portType ${portTypeName} operation ${name} has neither input nor output`,
      );
      pattern = 'other';
    }
    const where = `portType ${portTypeName} operation ${name}`;
    return {
      name,
      pattern,
      inputElement: elementOf(childrenNamed(operation, WSDL11_NS, 'input')[0], `${where} input`),
      outputElement: elementOf(childrenNamed(operation, WSDL11_NS, 'output')[0], `${where} output`),
    };
  });
}

/** The protocol from the binding's extension element; an unprefixed `<binding transport=…>` (WSDL namespace) is read as SOAP 1.1. */
function protocolOf(ctx: ParseContext, name: string, binding: XmlElement): BindingProtocol {
  const known = binding.children.map((c) => (c.local === 'binding' ? protocolByNamespace[c.ns] : undefined)).find((p) => p !== undefined);
  if (known !== undefined) return known;
  const misplaced = binding.children.find((c) => c.local === 'binding' && (c.ns === WSDL11_NS || c.ns === '') && attributeOf(c, 'transport') !== undefined);
  if (misplaced === undefined) return 'other';
  ctx.recover(
    misplaced,
    `binding ${name} has <${misplaced.qname} transport="…"> in namespace ${misplaced.ns || '(none)'}, not the SOAP binding namespace; assumed SOAP 1.1`,
    `binding ${name} has a <${misplaced.qname}> element in namespace ${misplaced.ns || '(none)'}, not ${WSDL11_SOAP11_NS}`,
  );
  return 'soap11';
}

const soapActionOf = (operation: XmlElement): string | null => {
  const soapOperation = operation.children.find(
    (c) => c.local === 'operation' && (c.ns === WSDL11_SOAP11_NS || c.ns === WSDL11_SOAP12_NS || attributeOf(c, 'soapAction') !== undefined),
  );
  return soapOperation === undefined ? null : (attributeOf(soapOperation, 'soapAction') ?? null);
};

function readBinding(ctx: ParseContext, name: string, binding: XmlElement, portTypes: DefinitionTable): WsdlBinding {
  const { local: interfaceName, definition: portType } = ctx.follow(binding, 'type', portTypes, 'portType', `binding ${name}`);
  const protocol = protocolOf(ctx, name, binding);
  const known = portType === null ? null : new Set(childrenNamed(portType, WSDL11_NS, 'operation').map((o) => attributeOf(o, 'name')?.trim()));
  const operations = childrenNamed(binding, WSDL11_NS, 'operation').flatMap((operation) => {
    const opName = ctx.nameOf(operation, `an operation of binding ${name}`);
    if (known !== null && !known.has(opName)) {
      ctx.recover(
        operation,
        `binding ${name} operation ${opName} is not an operation of portType ${interfaceName}; ignored it (the portType's operations are used)`,
        `binding ${name} operation ${opName} is not an operation of portType ${interfaceName}`,
      );
      return [];
    }
    return [{ name: opName, soapAction: soapActionOf(operation) }];
  });
  return { name, interfaceName, protocol, operations };
}

function readService(ctx: ParseContext, name: string, service: XmlElement, bindings: DefinitionTable): WsdlService {
  const ports = ctx.endpointsOf(service, name, WSDL11_NS, 'port', 'each service needs a <wsdl:port binding="…"> with a soap:address');
  const endpoints = ports.map(([portName, port]): WsdlEndpoint => {
    const { local: bindingName } = ctx.follow(port, 'binding', bindings, 'binding', `service ${name} port ${portName}`);
    const address = port.children.find((c) => c.local === 'address' && attributeOf(c, 'location') !== undefined);
    const location = address === undefined ? '' : (attributeOf(address, 'location') ?? '').trim();
    if (location === '') {
      ctx.recover(
        port,
        `service ${name} port ${portName} has no address; assumed none (as a template, gwscale writes one)`,
        `service ${name} port ${portName} has no address`,
        'add <soap:address location="http://…"/> to the port',
      );
    }
    return { name: portName, bindingName, address: location };
  });
  return { name, endpoints };
}

/** Reads a `wsdl:definitions` root and the local WSDL 1.1 documents it imports. */
export function parseWsdl11(parts: ReadDocumentParts): WsdlDocument {
  const { root, source, recoveries } = parts;
  const targetNamespace = attributeOf(root, 'targetNamespace') ?? '';
  const ctx = new ParseContext(source, targetNamespace, [{ source, root, text: '' }, ...parts.imported], parts.unreadDefinitions, recoveries);
  const messages = ctx.table(WSDL11_NS, 'message', 'message');
  const portTypes = ctx.table(WSDL11_NS, 'portType', 'portType');
  const bindingTable = ctx.table(WSDL11_NS, 'binding', 'binding');
  const serviceTable = ctx.table(WSDL11_NS, 'service', 'service');
  const interfaces: WsdlInterface[] = ParseContext.all(portTypes).map(([name, d]) => ({ name, operations: readOperations(ctx, name, d.element, messages) }));
  const bindings = ParseContext.all(bindingTable).map(([name, d]) => readBinding(ctx, name, d.element, portTypes));
  const services = ParseContext.all(serviceTable).map(([name, d]) => readService(ctx, name, d.element, bindingTable));
  return {
    version: '1.1',
    source,
    name: attributeOf(root, 'name') ?? null,
    targetNamespace,
    services,
    bindings,
    interfaces,
    references: parts.references,
    warnings: recoveries.warnings,
  };
}
