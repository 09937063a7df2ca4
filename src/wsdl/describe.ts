/** Renders a parsed WSDL as text for people (`gwscale wsdl check`); returns a string, prints nothing. */
import type { WsdlDocument, WsdlReference } from './model.js';

const protocolLabel = { soap11: 'SOAP 1.1', soap12: 'SOAP 1.2', http: 'HTTP', other: 'other' } as const;

function referenceLine(reference: WsdlReference): string {
  const parts: string[] = [reference.kind];
  if (reference.namespace !== null) parts.push(`namespace ${reference.namespace}`);
  parts.push(
    reference.location === null
      ? '(no location)'
      : `location ${reference.location} ${reference.followed === null ? '(not followed)' : `(read ${reference.followed})`}`,
  );
  return parts.join('  ');
}

/** A few indented lines: version, services with endpoints and addresses, bindings, interfaces with operations, references. */
export function describeWsdl(document: WsdlDocument): string {
  const lines: string[] = [];
  const interfaceWord = document.version === '1.1' ? 'portType' : 'interface';
  const endpointWord = document.version === '1.1' ? 'port' : 'endpoint';
  lines.push(
    `${document.source}: WSDL ${document.version}${document.name === null ? '' : ` "${document.name}"`}, targetNamespace ${document.targetNamespace || '(none)'}`,
  );
  const protocolOf = new Map(document.bindings.map((b) => [b.name, b.protocol]));
  for (const service of document.services) {
    lines.push(`  service ${service.name}`);
    for (const endpoint of service.endpoints) {
      const protocol = protocolOf.get(endpoint.bindingName);
      lines.push(
        `    ${endpointWord} ${endpoint.name}  binding ${endpoint.bindingName}${protocol === undefined ? ' (imported)' : ` (${protocolLabel[protocol]})`}  ${endpoint.address}`,
      );
    }
  }
  for (const binding of document.bindings) {
    lines.push(`  binding ${binding.name}  ${protocolLabel[binding.protocol]}  ${interfaceWord} ${binding.interfaceName || '(none)'}`);
    for (const operation of binding.operations) {
      lines.push(`    ${operation.name}${operation.soapAction === null ? '' : `  action ${JSON.stringify(operation.soapAction)}`}`);
    }
  }
  for (const face of document.interfaces) {
    lines.push(`  ${interfaceWord} ${face.name}  ${face.operations.length} operation${face.operations.length === 1 ? '' : 's'}`);
    for (const operation of face.operations) {
      const io = [
        operation.inputElement === null ? '' : `in ${operation.inputElement}`,
        operation.outputElement === null ? '' : `out ${operation.outputElement}`,
      ].filter((s) => s !== '');
      lines.push(`    ${operation.name}  ${operation.pattern}${io.length === 0 ? '' : '  ' + io.join('  ')}`);
    }
  }
  for (const reference of document.references) lines.push(`  ${referenceLine(reference)}`);
  return lines.join('\n') + '\n';
}
