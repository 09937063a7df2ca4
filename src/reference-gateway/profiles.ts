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
  /** Every request served is kept in an audit trail that is never trimmed. */
  readonly requestTrail: boolean;
  readonly description: string;
}

export const profileBehaviours: Readonly<Record<GatewayProfile, ProfileBehaviour>> = {
  healthy: {
    retainConfigs: false,
    operationPool: false,
    requestTrail: false,
    description: 'old configurations are released when a new one is swapped in',
  },
  'retain-configs': {
    retainConfigs: true,
    operationPool: false,
    requestTrail: false,
    description:
      'every deploy keeps the previous configuration (XML text and parsed tree) reachable: memory after GC grows faster than linear and drops on restart',
  },
  'operation-pool': {
    retainConfigs: false,
    operationPool: true,
    requestTrail: false,
    description: 'each operation keeps a pool of client objects sized to the highest concurrency it ever saw, never expunged',
  },
  'request-leak': {
    retainConfigs: false,
    operationPool: false,
    requestTrail: true,
    description: 'every request served is kept in an audit trail that is never trimmed: memory grows with the traffic, repeats included',
  },
};
