/**
 * Behaviour profiles of the reference gateway, chosen at start. Each is a real behaviour of the
 * process (what it keeps reachable), not a number it reports.
 */
import type { GatewayProfile } from './protocol.js';

export interface ProfileBehaviour {
  /** Every deploy keeps its serialised configuration and parsed form reachable, forever. */
  readonly retainConfigs: boolean;
  /** Each operation keeps a pool of costly client objects sized to its highest concurrency ever. */
  readonly operationPool: boolean;
  readonly description: string;
}

export const profileBehaviours: Readonly<Record<GatewayProfile, ProfileBehaviour>> = {
  healthy: {
    retainConfigs: false,
    operationPool: false,
    description: 'old configurations are released when a new one is swapped in',
  },
  'retain-configs': {
    retainConfigs: true,
    operationPool: false,
    description:
      'every deploy keeps the previous configuration (XML text and parsed tree) reachable: memory after GC grows faster than linear and drops on restart',
  },
  'operation-pool': {
    retainConfigs: false,
    operationPool: true,
    description: 'each operation keeps a pool of client objects sized to the highest concurrency it ever saw, never expunged',
  },
};
