/** WSDL 1.1 (`definitions`, `portType`, `binding`, `service`/`port`) → the shared model. */
import type { BindingProtocol, MessagePattern, WsdlBinding, WsdlDocument, WsdlEndpoint, WsdlInterface, WsdlOperation, WsdlReference, WsdlService } from './model.js';
import { WSDL11_HTTP_NS, WSDL11_NS, WSDL11_SOAP11_NS, WSDL11_SOAP12_NS } from './namespaces.js';
import { ParseContext, schemaReferences, wsdlReference } from './parse-context.js';
import { attributeOf, childrenNamed, clarkName, resolveQName, type XmlElement } from './xml-tree.js';

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

function readOperations(ctx: ParseContext, portTypeName: string, portType: XmlElement, messages: ReadonlyMap<string, XmlElement>): WsdlOperation[] {
  const elementOf = (io: XmlElement | undefined, referrer: string): string | null => {
    if (io === undefined) return null;
    const { definition: message } = ctx.follow(io, 'message', messages, 'message', referrer);
    if (message === null) return null;
    // Document/literal: the part with an `element`; rpc parts name types and have no element.
    const part = childrenNamed(message, WSDL11_NS, 'part').find((p) => attributeOf(p, 'element') !== undefined);
    const raw = part === undefined ? undefined : attributeOf(part, 'element');
    if (part === undefined || raw === undefined) return null;
    const name = resolveQName(part, raw);
    if (name === null) ctx.fail(`message ${attributeOf(message, 'name') ?? ''} part names element ${raw}, whose prefix is not declared`);
    return clarkName(name);
  };
  return childrenNamed(portType, WSDL11_NS, 'operation').map((operation) => {
    const name = ctx.nameOf(operation, `an operation of portType ${portTypeName}`);
    const pattern = patternOf(operation);
    if (pattern === null) ctx.fail(`portType ${portTypeName} operation ${name} has neither input nor output`);
    const where = `portType ${portTypeName} operation ${name}`;
    return {
      name,
      pattern,
      inputElement: elementOf(childrenNamed(operation, WSDL11_NS, 'input')[0], `${where} input`),
      outputElement: elementOf(childrenNamed(operation, WSDL11_NS, 'output')[0], `${where} output`),
    };
  });
}

function readBinding(ctx: ParseContext, name: string, binding: XmlElement, portTypes: ReadonlyMap<string, XmlElement>): WsdlBinding {
  const { local: interfaceName, definition: portType } = ctx.follow(binding, 'type', portTypes, 'portType', `binding ${name}`);
  const protocol = binding.children.map((c) => (c.local === 'binding' ? protocolByNamespace[c.ns] : undefined)).find((p) => p !== undefined) ?? 'other';
  const known = portType === null ? null : new Set(childrenNamed(portType, WSDL11_NS, 'operation').map((o) => attributeOf(o, 'name')));
  const operations = childrenNamed(binding, WSDL11_NS, 'operation').map((operation) => {
    const opName = ctx.nameOf(operation, `an operation of binding ${name}`);
    if (known !== null && !known.has(opName)) ctx.fail(`binding ${name} operation ${opName} is not an operation of portType ${interfaceName}`);
    const soapOperation = operation.children.find((c) => c.local === 'operation' && (c.ns === WSDL11_SOAP11_NS || c.ns === WSDL11_SOAP12_NS));
    return { name: opName, soapAction: soapOperation === undefined ? null : (attributeOf(soapOperation, 'soapAction') ?? null) };
  });
  return { name, interfaceName, protocol, operations };
}

function readService(ctx: ParseContext, name: string, service: XmlElement, bindings: ReadonlyMap<string, XmlElement>): WsdlService {
  const ports = ctx.table(childrenNamed(service, WSDL11_NS, 'port'), `port of service ${name}`);
  if (ports.size === 0) ctx.fail(`service ${name} has no port`, 'each service needs a <wsdl:port binding="…"> with a soap:address');
  const endpoints = [...ports].map(([portName, port]): WsdlEndpoint => {
    const { local: bindingName } = ctx.follow(port, 'binding', bindings, 'binding', `service ${name} port ${portName}`);
    const address = port.children.find((c) => c.local === 'address' && attributeOf(c, 'location') !== undefined);
    const location = address === undefined ? undefined : attributeOf(address, 'location');
    if (location === undefined || location.trim() === '') ctx.fail(`service ${name} port ${portName} has no address`, 'add <soap:address location="http://…"/> to the port');
    return { name: portName, bindingName, address: location.trim() };
  });
  return { name, endpoints };
}

/** Reads a `wsdl:definitions` root. */
export function parseWsdl11(root: XmlElement, source: string): WsdlDocument {
  const references: WsdlReference[] = [
    ...childrenNamed(root, WSDL11_NS, 'import').map((e) => wsdlReference(e, 'wsdl-import')),
    ...childrenNamed(root, WSDL11_NS, 'include').map((e) => wsdlReference(e, 'wsdl-include')),
    ...childrenNamed(root, WSDL11_NS, 'types').flatMap(schemaReferences),
  ];
  const targetNamespace = attributeOf(root, 'targetNamespace') ?? '';
  const ctx = new ParseContext(source, targetNamespace, references);
  const messages = ctx.table(childrenNamed(root, WSDL11_NS, 'message'), 'message');
  const portTypes = ctx.table(childrenNamed(root, WSDL11_NS, 'portType'), 'portType');
  const bindingElements = ctx.table(childrenNamed(root, WSDL11_NS, 'binding'), 'binding');
  const serviceElements = ctx.table(childrenNamed(root, WSDL11_NS, 'service'), 'service');
  const interfaces: WsdlInterface[] = [...portTypes].map(([name, portType]) => ({ name, operations: readOperations(ctx, name, portType, messages) }));
  const bindings = [...bindingElements].map(([name, binding]) => readBinding(ctx, name, binding, portTypes));
  const services = [...serviceElements].map(([name, service]) => readService(ctx, name, service, bindingElements));
  return { version: '1.1', source, name: attributeOf(root, 'name') ?? null, targetNamespace, services, bindings, interfaces, references };
}
