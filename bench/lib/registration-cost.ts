/** Registration cost over a run's rounds, warm-up rounds left out. Pure. */
import type { RegistrationCost } from '../harness-worker.js';

export interface RegistrationTotals {
  readonly services: number;
  readonly harnessCpuSeconds: number;
  readonly wallSeconds: number;
  readonly gatewayCpuSeconds: number;
  /** Harness CPU per registration, µs. */
  readonly harnessMicrosPerRegistration: number;
  /** Registrations per second of harness CPU. */
  readonly perHarnessCpuSecond: number;
  /** Registrations per second of wall time. */
  readonly perSecond: number;
  /** Registrations per second of the gateway's CPU: the most it could do with a core to itself. */
  readonly perGatewayCpuSecond: number;
}

/**
 * Sums the rounds after the first `warmUpRounds` (JIT compilation in both processes makes the first
 * rounds dearer: warm-up is left out, as any load test does).
 */
export function registrationTotals(rounds: readonly RegistrationCost[], warmUpRounds: number): RegistrationTotals {
  const counted = rounds.slice(warmUpRounds);
  const sum = (key: keyof RegistrationCost): number => counted.reduce((total, r) => total + r[key], 0);
  const services = sum('services');
  const harnessCpuSeconds = sum('harnessCpuSeconds');
  const wallSeconds = sum('wallSeconds');
  const gatewayCpuSeconds = sum('gatewayCpuSeconds');
  return {
    services,
    harnessCpuSeconds,
    wallSeconds,
    gatewayCpuSeconds,
    harnessMicrosPerRegistration: (harnessCpuSeconds * 1e6) / services,
    perHarnessCpuSecond: services / harnessCpuSeconds,
    perSecond: services / wallSeconds,
    perGatewayCpuSecond: services / gatewayCpuSeconds,
  };
}
