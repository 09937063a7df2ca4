/** The run's services, generated from the built-in or the user's templates by index. */
import { createServiceGenerator, loadTemplates } from '../wsdl/index.js';
import type { RunConfig } from './config.js';
import type { ServiceCatalog } from './service-catalog.js';

const FILE_NAME = /^svc-(\d+)\.wsdl$/;

/**
 * @param endpointBase the harness's SOAP backend; every generated endpoint address points there.
 */
export function createServiceCatalog(config: Pick<RunConfig, 'services' | 'wsdlVersion' | 'wsdlDir' | 'seed'>, endpointBase: string): ServiceCatalog {
  const templates = config.wsdlDir === null ? undefined : loadTemplates(config.wsdlDir);
  const generate = createServiceGenerator({ version: config.wsdlVersion, seed: config.seed, endpointBase, ...(templates ? { templates } : {}) });
  return {
    size: config.services,
    serviceAt: generate,
    indexOf(fileName) {
      const m = FILE_NAME.exec(fileName);
      return m ? Number(m[1]) : undefined;
    },
  };
}
