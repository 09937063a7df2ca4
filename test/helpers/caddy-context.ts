/** The adapter context the Caddy tests share: Caddy needs no credentials and fetches no WSDL. */
import type { AdapterContext } from '../../src/gateways/adapter.js';
import { targetContext, type TargetContextOptions } from './target-context.js';

export type CaddyContextOptions = Omit<TargetContextOptions, 'password' | 'targetOptions'>;

/** A frozen context for `createCaddyAdapter` working in `workDir`. */
export function caddyContext(workDir: string, options: CaddyContextOptions = {}): AdapterContext {
  return targetContext(workDir, { ...options, password: 'not-used-by-caddy' });
}
