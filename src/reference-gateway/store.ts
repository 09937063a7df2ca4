/**
 * The entity store: a web-service repository of service groups and the policy library. Importing a
 * WSDL into a group creates its services, their operations and, per operation, the generated
 * policy circuits "Request From Front End" and "Response From Back End", to which library policies
 * are attached. The store is what a deploy serialises; it is never served directly.
 */
import type { BindingProtocol, MessagePattern, WsdlDocument, WsdlVersion } from '../wsdl/model.js';
import { ApiError } from './api-error.js';
import { circuitNames, REQUEST_CIRCUIT, RESPONSE_CIRCUIT, type CircuitName, type ConfigCounts } from './protocol.js';
import { builtInPolicies, hasControlCharacter, samePolicy, type PolicyDefinition, type PolicyDirection } from './policies.js';

/** A WSDL read by the repository: the model and the decoded text. */
export interface ParsedWsdlEntry {
  readonly document: WsdlDocument;
  readonly text: string;
}

/** Parses a WSDL document (both versions, any declared encoding); throws on a bad document. */
export type WsdlParser = (input: string | Uint8Array, source: string) => ParsedWsdlEntry;

/** A filter the gateway generated into a circuit when the WSDL was imported. */
export interface GeneratedFilter {
  readonly type: string;
  readonly name: string;
  readonly properties: Readonly<Record<string, string>>;
}

export interface Circuit {
  readonly name: CircuitName;
  readonly direction: PolicyDirection;
  readonly filters: readonly GeneratedFilter[];
  /** Names of the library policies attached, in the order they run. */
  readonly policies: string[];
}

export interface StoredEndpoint {
  readonly name: string;
  readonly protocol: BindingProtocol;
  readonly address: string;
}

export interface SoapActionEntry {
  readonly protocol: BindingProtocol;
  readonly value: string;
}

export interface StoredOperation {
  readonly name: string;
  readonly pattern: MessagePattern;
  readonly inputElement: string | null;
  readonly outputElement: string | null;
  readonly soapActions: readonly SoapActionEntry[];
  readonly circuits: readonly [Circuit, Circuit];
}

export interface StoredService {
  readonly name: string;
  readonly group: string;
  /** Data-plane path the service answers on. */
  readonly path: string;
  readonly version: WsdlVersion;
  /** URL the WSDL was fetched from, or `inline`. */
  readonly source: string;
  readonly importedAt: string;
  readonly wsdlText: string;
  readonly document: WsdlDocument;
  readonly endpoints: readonly StoredEndpoint[];
  readonly operations: readonly StoredOperation[];
}

export interface ServiceGroup {
  readonly name: string;
  readonly services: Map<string, StoredService>;
}

/** What a restored service needs beyond its WSDL (read back from a deployed configuration). */
export interface ServiceRestore {
  readonly group: string;
  readonly name: string;
  readonly source: string;
  readonly importedAt: string;
  readonly wsdlText: string;
  /** Attached policy names per operation and circuit. */
  readonly attached: ReadonlyMap<string, ReadonlyMap<CircuitName, readonly string[]>>;
}

/** Derives the operations of one WSDL service: every operation its endpoints' bindings expose. */
function operationsOf(document: WsdlDocument, serviceName: string): { endpoints: StoredEndpoint[]; operations: Omit<StoredOperation, 'circuits'>[] } {
  const service = document.services.find((s) => s.name === serviceName);
  if (service === undefined) throw new ApiError(400, `${document.source}: no service ${serviceName}`);
  const endpoints: StoredEndpoint[] = [];
  const byName = new Map<string, Omit<StoredOperation, 'circuits'> & { soapActions: SoapActionEntry[] }>();
  for (const endpoint of service.endpoints) {
    const binding = document.bindings.find((b) => b.name === endpoint.bindingName);
    if (binding === undefined) continue;
    endpoints.push({ name: endpoint.name, protocol: binding.protocol, address: endpoint.address });
    const iface = document.interfaces.find((i) => i.name === binding.interfaceName);
    for (const op of iface?.operations ?? []) {
      let entry = byName.get(op.name);
      if (entry === undefined) {
        entry = { name: op.name, pattern: op.pattern, inputElement: op.inputElement, outputElement: op.outputElement, soapActions: [] };
        byName.set(op.name, entry);
      }
      const action = binding.operations.find((b) => b.name === op.name)?.soapAction;
      if (action && !entry.soapActions.some((a) => a.protocol === binding.protocol)) entry.soapActions.push({ protocol: binding.protocol, value: action });
    }
  }
  const routable = endpoints.filter((e) => e.protocol === 'soap11' || e.protocol === 'soap12');
  if (routable.length === 0) throw new ApiError(400, `${document.source}: service ${serviceName} has no SOAP endpoint the gateway can route to`);
  if (byName.size === 0) throw new ApiError(400, `${document.source}: service ${serviceName} exposes no operations`);
  for (const e of routable) {
    if (!/^https?:\/\//.test(e.address))
      throw new ApiError(400, `${document.source}: endpoint ${e.name} of ${serviceName} has address "${e.address}", not an http(s) URL`);
  }
  return { endpoints, operations: [...byName.values()] };
}

/** The circuits the gateway generates for one operation (policies attached later). */
function generateCircuits(
  service: string,
  group: string,
  op: Omit<StoredOperation, 'circuits'>,
  endpoints: readonly StoredEndpoint[],
): readonly [Circuit, Circuit] {
  const addresses = endpoints.filter((e) => e.protocol === 'soap11' || e.protocol === 'soap12').map((e) => `${e.protocol}=${e.address}`);
  const request: Circuit = {
    name: REQUEST_CIRCUIT,
    direction: 'request',
    policies: [],
    filters: [
      { type: 'SetServiceContext', name: `Set service context ${service}`, properties: { serviceGroup: group, service, operation: op.name } },
      {
        type: 'OperationSwitch',
        name: `Is operation ${op.name}`,
        properties: { inputElement: op.inputElement ?? '', soapActions: op.soapActions.map((a) => `${a.protocol}=${a.value}`).join(' '), pattern: op.pattern },
      },
      { type: 'ConnectToURL', name: `Route to ${service}`, properties: { urls: addresses.join(' '), method: 'POST' } },
    ],
  };
  const response: Circuit = {
    name: RESPONSE_CIRCUIT,
    direction: 'response',
    policies: [],
    filters: [{ type: 'Reflect', name: `Return ${op.name} response`, properties: { outputElement: op.outputElement ?? '', status: '200' } }],
  };
  return [request, response];
}

export class EntityStore {
  readonly groups = new Map<string, ServiceGroup>();
  readonly policies = new Map<string, PolicyDefinition>();
  /** Every service by name: names (and so data-plane paths) are unique across groups. */
  private readonly servicesByName = new Map<string, StoredService>();
  private readonly parse: WsdlParser;

  constructor(parse: WsdlParser) {
    this.parse = parse;
    for (const policy of builtInPolicies) this.policies.set(policy.name, policy);
  }

  /** Creates a service group; creating one that exists is a no-op. */
  createGroup(name: string): { created: boolean } {
    if (name.length === 0 || name.length > 200 || hasControlCharacter(name) || /[/\\]/.test(name))
      throw new ApiError(400, `group name "${name.slice(0, 60)}" must be 1–200 characters without control characters or slashes`);
    if (this.groups.has(name)) return { created: false };
    this.groups.set(name, { name, services: new Map() });
    return { created: true };
  }

  /**
   * Removes a service group and every service in it (the next deploy stops serving them); removing
   * one that does not exist is a no-op, so a cleanup can be run twice.
   */
  deleteGroup(name: string): { deleted: boolean; services: number } {
    const group = this.groups.get(name);
    if (group === undefined) return { deleted: false, services: 0 };
    for (const service of group.services.keys()) this.servicesByName.delete(service);
    this.groups.delete(name);
    return { deleted: true, services: group.services.size };
  }

  group(name: string): ServiceGroup {
    const group = this.groups.get(name);
    if (group === undefined) throw new ApiError(404, `no service group named "${name}": create it first (POST /api/groups)`);
    return group;
  }

  service(groupName: string, serviceName: string): StoredService {
    const service = this.group(groupName).services.get(serviceName);
    if (service === undefined) throw new ApiError(404, `group "${groupName}" has no service named "${serviceName}"`);
    return service;
  }

  /**
   * Imports a WSDL into a group: every service it defines, with operations and circuits. Services
   * the group already holds are left as they are (`created: false`); a name another group holds is
   * a conflict, and then nothing is imported.
   */
  importWsdl(
    groupName: string,
    wsdl: string | Uint8Array,
    source: string,
    importedAt = new Date().toISOString(),
  ): { created: boolean; services: StoredService[] } {
    const group = this.group(groupName);
    let parsed: ParsedWsdlEntry;
    try {
      parsed = this.parse(wsdl, source);
    } catch (error) {
      throw new ApiError(400, error instanceof Error ? error.message.replace(/\s*\n\s*/g, ' ') : String(error));
    }
    const { document, text: wsdlText } = parsed;
    if (document.services.length === 0) throw new ApiError(400, `${source}: the WSDL defines no service`);
    for (const s of document.services) {
      const holder = this.servicesByName.get(s.name);
      if (holder !== undefined && holder.group !== groupName) throw new ApiError(409, `service ${s.name} is already registered in group "${holder.group}"`);
    }
    const fresh = document.services.filter((s) => !group.services.has(s.name));
    // Validate every new service before adding any: an import is all or nothing.
    const derived = fresh.map((s) => ({ name: s.name, ...operationsOf(document, s.name) }));
    const services = document.services.map((s) => group.services.get(s.name)).filter((s): s is StoredService => s !== undefined);
    for (const d of derived) {
      const service: StoredService = {
        name: d.name,
        group: groupName,
        path: `/${d.name}`,
        version: document.version,
        source,
        importedAt,
        wsdlText,
        document,
        endpoints: d.endpoints,
        operations: d.operations.map((op) => ({ ...op, circuits: generateCircuits(d.name, groupName, op, d.endpoints) })),
      };
      group.services.set(service.name, service);
      this.servicesByName.set(service.name, service);
      services.push(service);
    }
    return { created: derived.length > 0, services };
  }

  /**
   * Attaches a library policy to every circuit of that name in a service (or in one operation).
   * Attaching a policy a circuit already has is a no-op.
   */
  attachPolicy(groupName: string, serviceName: string, circuit: string, policyName: string, operation?: string): { attached: number; alreadyAttached: number } {
    const service = this.service(groupName, serviceName);
    if (!circuitNames.includes(circuit as CircuitName))
      throw new ApiError(400, `circuit must be "${REQUEST_CIRCUIT}" or "${RESPONSE_CIRCUIT}", not "${circuit}"`);
    const policy = this.policies.get(policyName);
    if (policy === undefined) throw new ApiError(404, `the policy library has no policy named "${policyName}" (GET /api/policies lists them)`);
    const direction: PolicyDirection = circuit === REQUEST_CIRCUIT ? 'request' : 'response';
    if (policy.direction !== direction)
      throw new ApiError(400, `policy "${policyName}" is a ${policy.direction} policy; circuit "${circuit}" takes ${direction} policies`);
    const operations = operation === undefined ? service.operations : service.operations.filter((op) => op.name === operation);
    if (operations.length === 0) throw new ApiError(404, `service ${serviceName} has no operation named "${operation ?? ''}"`);
    let attached = 0;
    let alreadyAttached = 0;
    for (const op of operations) {
      const target = op.circuits.find((c) => c.name === circuit);
      if (target === undefined) continue;
      if (target.policies.includes(policyName)) alreadyAttached++;
      else {
        target.policies.push(policyName);
        attached++;
      }
    }
    return { attached, alreadyAttached };
  }

  /** Adds a policy to the library; an identical one already there is a no-op, a different one a conflict. */
  createPolicy(definition: Omit<PolicyDefinition, 'builtIn'>): { created: boolean } {
    const existing = this.policies.get(definition.name);
    if (existing !== undefined) {
      if (samePolicy(existing, definition)) return { created: false };
      throw new ApiError(409, `a different policy named "${definition.name}" is already in the library`);
    }
    this.policies.set(definition.name, { ...definition, builtIn: false });
    return { created: true };
  }

  /** Rebuilds a service from a deployed configuration (on start): its WSDL is imported again. */
  restore(entry: ServiceRestore): void {
    this.createGroup(entry.group);
    // A fresh copy: a slice would keep the whole configuration text it was read from alive.
    const text = Buffer.from(entry.wsdlText, 'utf8').toString('utf8');
    const { services } = this.importWsdl(entry.group, text, entry.source, entry.importedAt);
    const service = services.find((s) => s.name === entry.name);
    if (service === undefined) throw new ApiError(500, `restored WSDL of ${entry.name} no longer defines it`);
    for (const op of service.operations) {
      const circuits = entry.attached.get(op.name);
      for (const circuit of op.circuits) {
        for (const policy of circuits?.get(circuit.name) ?? []) {
          if (!circuit.policies.includes(policy)) circuit.policies.push(policy);
        }
      }
    }
  }

  counts(): ConfigCounts {
    let services = 0;
    let operations = 0;
    let circuits = 0;
    let attachedPolicies = 0;
    for (const group of this.groups.values()) {
      for (const service of group.services.values()) {
        services++;
        for (const op of service.operations) {
          operations++;
          for (const circuit of op.circuits) {
            circuits++;
            attachedPolicies += circuit.policies.length;
          }
        }
      }
    }
    return { serviceGroups: this.groups.size, services, operations, circuits, attachedPolicies };
  }
}
