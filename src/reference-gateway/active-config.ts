/**
 * The active configuration: what the data plane serves. Built only from a deployed (serialised,
 * parsed and checked) configuration, never from the store directly, so registered-but-undeployed
 * services are not served.
 */
import type { BindingProtocol } from '../wsdl/model.js';
import type { ConfigMeta, DeployedConfig } from './config-xml.js';
import { compilePolicy, type CompiledPolicy } from './policies.js';
import { REQUEST_CIRCUIT, RESPONSE_CIRCUIT, type ConfigCounts } from './protocol.js';

export interface ActiveOperation {
  /** `service/operation`: the key of the operation's client pool. */
  readonly key: string;
  readonly name: string;
  readonly requestPolicies: readonly CompiledPolicy[];
  readonly responsePolicies: readonly CompiledPolicy[];
}

export interface ActiveEndpoint {
  readonly protocol: BindingProtocol;
  readonly address: string;
}

export interface ActiveService {
  readonly name: string;
  readonly group: string;
  readonly endpoints: readonly ActiveEndpoint[];
  readonly operations: readonly ActiveOperation[];
  /** Operation by SOAPAction (SOAP 1.1 header or SOAP 1.2 `action` parameter). */
  readonly byAction: ReadonlyMap<string, ActiveOperation>;
  /** Operation by the local name of its input element (or, failing that, its name). */
  readonly byElement: ReadonlyMap<string, ActiveOperation>;
}

const localName = (qname: string): string => qname.slice(qname.lastIndexOf('}') + 1).replace(/^[^:]*:/, '');

export class ActiveConfiguration {
  readonly meta: ConfigMeta;
  readonly routes: ReadonlyMap<string, ActiveService>;
  readonly counts: ConfigCounts;

  private constructor(meta: ConfigMeta, routes: ReadonlyMap<string, ActiveService>, counts: ConfigCounts) {
    this.meta = meta;
    this.routes = routes;
    this.counts = counts;
  }

  /** Builds the routing table of a checked configuration; library policies are compiled once. */
  static build(config: DeployedConfig): ActiveConfiguration {
    const compiled = new Map<string, CompiledPolicy>(config.policies.map((p) => [p.name, compilePolicy(p)]));
    const policiesOf = (names: readonly string[] | undefined): CompiledPolicy[] =>
      (names ?? []).map((n) => compiled.get(n)).filter((p): p is CompiledPolicy => p !== undefined);
    const routes = new Map<string, ActiveService>();
    let operations = 0;
    let circuits = 0;
    let attachedPolicies = 0;
    for (const s of config.services) {
      const byAction = new Map<string, ActiveOperation>();
      const byElement = new Map<string, ActiveOperation>();
      const ops = s.operations.map((op): ActiveOperation => {
        const requestNames = op.circuits.get(REQUEST_CIRCUIT);
        const responseNames = op.circuits.get(RESPONSE_CIRCUIT);
        circuits += op.circuits.size;
        attachedPolicies += (requestNames?.length ?? 0) + (responseNames?.length ?? 0);
        const active: ActiveOperation = {
          key: `${s.name}/${op.name}`,
          name: op.name,
          requestPolicies: policiesOf(requestNames),
          responsePolicies: policiesOf(responseNames),
        };
        for (const a of op.soapActions) if (!byAction.has(a.value)) byAction.set(a.value, active);
        const element = op.inputElement === null ? op.name : localName(op.inputElement);
        if (!byElement.has(element)) byElement.set(element, active);
        return active;
      });
      operations += ops.length;
      const endpoints = s.endpoints
        .filter((e) => e.protocol === 'soap11' || e.protocol === 'soap12')
        .map((e) => ({ protocol: e.protocol, address: e.address }));
      routes.set(s.path, { name: s.name, group: s.group, endpoints, operations: ops, byAction, byElement });
    }
    const counts: ConfigCounts = { serviceGroups: config.groups.length, services: config.services.length, operations, circuits, attachedPolicies };
    return new ActiveConfiguration(config.meta, routes, counts);
  }
}
