/** The run's services by index, generated on demand so the harness holds no per-service text. */
import type { ServiceSpec } from '../wsdl/model.js';

export interface ServiceCatalog {
  readonly size: number;
  /** The service with this 0-based index (generated, deterministic from the seed). */
  serviceAt(index: number): ServiceSpec;
  /** The index a WSDL file name stands for, or undefined. */
  indexOf(fileName: string): number | undefined;
}
