/**
 * `register` for targets whose services the harness holds and writes out whole at each deploy
 * (Caddy, HAProxy, Varnish, Node-RED): a service is read from its WSDL once, registering it again creates
 * nothing, and every service has two policies, one on the request and one on the response.
 */
import type { ServiceSpec } from '../wsdl/model.js';
import type { RegisterOutcome } from './adapter.js';

/**
 * @param registered the target's services by service name; a new one is added.
 * @param read reads a new service from its WSDL; may throw (bad WSDL, endpoint off the loopback).
 */
export function registerOnce<S extends { readonly operations: number }>(
  registered: Map<string, S>,
  spec: ServiceSpec,
  read: (spec: ServiceSpec) => S,
): Promise<RegisterOutcome> {
  // Parsing is synchronous; a bad WSDL must still come back as a rejected promise.
  return Promise.resolve().then((): RegisterOutcome => {
    const existing = registered.get(spec.serviceName);
    if (existing !== undefined) return { attachedPolicies: 2, operations: existing.operations, created: false };
    const service = read(spec);
    registered.set(spec.serviceName, service);
    return { attachedPolicies: 2, operations: service.operations, created: true };
  });
}
