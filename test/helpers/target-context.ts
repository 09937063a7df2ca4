/** The adapter context the tests of targets the harness starts share (Caddy, HAProxy, Varnish, Node-RED): no WSDL is fetched. */
import type { AdapterContext, TargetOptions } from '../../src/gateways/adapter.js';

export interface TargetContextOptions {
  /** Where services forward to (default: a closed port; nothing is sent). */
  readonly backendUrl?: string;
  readonly callTimeoutMs?: number;
  /** The admin password (user `gwscale`); a target without a login gets one that says so. */
  readonly password: string;
  readonly log?: (line: string) => void;
  readonly targetOptions?: TargetOptions;
}

/** A frozen context for a target's adapter working in `workDir`. */
export function targetContext(workDir: string, options: TargetContextOptions): AdapterContext {
  return Object.freeze({
    workDir,
    profile: 'default',
    heapMb: null,
    wsdlBaseUrl: 'http://127.0.0.1:1',
    backendUrl: options.backendUrl ?? 'http://127.0.0.1:1',
    callTimeoutMs: options.callTimeoutMs ?? 60_000,
    credentials: Object.freeze({ user: 'gwscale', password: options.password }),
    log: options.log ?? (() => undefined),
    ...(options.targetOptions === undefined ? {} : { targetOptions: options.targetOptions }),
  });
}
