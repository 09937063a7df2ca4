/**
 * The options of `gwscale traffic` (`runTraffic` in ./traffic.ts), their defaults and their checks.
 * Light on purpose: the CLI validates flags with it before any generator code loads.
 */
export {
  defaultLocustWorkers,
  TRAFFIC_DEFAULTS,
  trafficEngines,
  validateTrafficOptions,
  type GeneratorMode,
  type LocustEngineOptions,
  type TrafficEngine,
  type TrafficOptions,
} from '../traffic/options.js';
export { httpClientKinds, type HttpClientKind } from '../traffic/sender.js';
export type { WarmupPlan } from '../traffic/phase.js';
export type { SoapVersion } from '../soap/envelope.js';
