/**
 * SOAP probes for `verify`, parsed once per WSDL shape. Generated WSDLs differ only in the service
 * name (the target namespace and endpoint addresses contain it), so a document with the name taken
 * out is the same text for every service of a template: its probe is built once and the name put
 * back. `--verify all` probes every service every round, and parsing each WSDL again (≈0.8 ms)
 * made the harness's CPU grow with services² / batch.
 */
import { parseWsdl } from '../../wsdl/index.js';
import type { ServiceSpec } from '../../wsdl/model.js';
import { soapProbeFor, type SoapProbe } from '../soap-probe.js';

/** Stands in for the service name; letters only, so it needs no escaping anywhere in XML or URLs. */
const NAME_TOKEN = 'GwscaleProbeServiceNameToken';

const withName = (probe: SoapProbe, serviceName: string): SoapProbe => {
  const put = (text: string): string => text.replaceAll(NAME_TOKEN, serviceName);
  return {
    ...probe,
    serviceName: put(probe.serviceName),
    address: put(probe.address),
    operation: put(probe.operation),
    headers: Object.fromEntries(Object.entries(probe.headers).map(([k, v]) => [k, put(v)])),
    body: put(probe.body),
  };
};

/**
 * Returns `probeOf(spec)`, equal to `soapProbeFor(parseWsdl(spec.wsdlText, spec.fileName),
 * spec.serviceName)`, remembering at most `maxShapes` shapes (oldest dropped first). A document
 * that fails to give a probe is parsed again as it is, so errors name the real service.
 */
export function createProbeCache(maxShapes = 64): (spec: ServiceSpec) => SoapProbe {
  const shapes = new Map<string, SoapProbe>();
  const direct = (spec: ServiceSpec): SoapProbe => soapProbeFor(parseWsdl(spec.wsdlText, spec.fileName), spec.serviceName);
  return (spec) => {
    if (spec.serviceName === '' || spec.wsdlText.includes(NAME_TOKEN)) return direct(spec);
    const shape = spec.wsdlText.replaceAll(spec.serviceName, NAME_TOKEN);
    let probe = shapes.get(shape);
    if (probe === undefined) {
      try {
        probe = soapProbeFor(parseWsdl(shape, spec.fileName), NAME_TOKEN);
      } catch {
        return direct(spec);
      }
      if (shapes.size >= maxShapes) shapes.delete(shapes.keys().next().value as string);
      shapes.set(shape, probe);
    }
    return withName(probe, spec.serviceName);
  };
}
