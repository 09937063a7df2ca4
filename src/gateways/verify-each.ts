/**
 * `verify` for targets whose registered services the harness holds (Caddy, Tomcat): one probe per
 * service, a few in flight, over fresh connections (a reload closes idle ones), an unknown service
 * recorded as `not registered` rather than thrown.
 */
import pLimit from 'p-limit';
import { Agent } from 'undici';
import type { ServiceSpec } from '../wsdl/model.js';
import type { VerifyOutcome } from './adapter.js';

/**
 * @param registered the target's services by service name.
 * @param probe sends one request through the gateway for a service and judges the answer; must not throw.
 */
export async function verifyEach<S>(
  specs: readonly ServiceSpec[],
  registered: ReadonlyMap<string, S>,
  concurrency: number,
  probe: (service: S, dispatcher: Agent) => Promise<VerifyOutcome>,
): Promise<readonly VerifyOutcome[]> {
  const limit = pLimit(concurrency);
  const dispatcher = new Agent({ connections: concurrency });
  try {
    return await Promise.all(
      specs.map((spec) =>
        limit(async (): Promise<VerifyOutcome> => {
          const service = registered.get(spec.serviceName);
          return service === undefined ? { serviceName: spec.serviceName, ok: false, status: null, error: 'not registered' } : probe(service, dispatcher);
        }),
      ),
    );
  } finally {
    await dispatcher.close();
  }
}
