/** The adapter context the Caddy tests share: Caddy needs no credentials and fetches no WSDL. */
import type { AdapterContext } from '../../src/gateways/adapter.js';

export interface CaddyContextOptions {
  /** Where services forward to (default: a closed port; nothing is sent). */
  readonly backendUrl?: string;
  readonly callTimeoutMs?: number;
  readonly log?: (line: string) => void;
}

/** A frozen context for `createCaddyAdapter` working in `workDir`. */
export function caddyContext(workDir: string, options: CaddyContextOptions = {}): AdapterContext {
  return Object.freeze({
    workDir,
    profile: 'default',
    heapMb: null,
    wsdlBaseUrl: 'http://127.0.0.1:1',
    backendUrl: options.backendUrl ?? 'http://127.0.0.1:1',
    callTimeoutMs: options.callTimeoutMs ?? 60_000,
    credentials: Object.freeze({ user: 'gwscale', password: 'not-used-by-caddy' }),
    log: options.log ?? (() => undefined),
  });
}
