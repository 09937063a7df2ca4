/**
 * The frozen configuration of one `gwscale run`. Built once by the CLI (or an API caller) and passed
 * down; nothing mutates it.
 */
import type { RedeployMode, TargetOptions } from '../gateways/adapter.js';

export type VerifyMode = 'all' | 'new' | 'none';

/** `--redeploys R` (a count) or `--redeploys auto[:MAX]`. */
export type RedeployPlan = number | { readonly mode: 'auto'; readonly max: number };
export type WsdlVersionChoice = '1.1' | '2.0' | 'mixed';

export interface RunConfig {
  /** `--target`: a built-in target's name, `recipe:FILE`, or a plugin module's path or package name. */
  readonly target: string;
  /** Reference gateway behaviour profile. */
  readonly profile: string;
  /** Services to register in all. */
  readonly services: number;
  /** Services per round. */
  readonly batch: number;
  /** Registrations in flight at once. */
  readonly concurrency: number;
  /** Restart the gateway after the round that reaches each of these service counts. */
  readonly restartAt: readonly number[];
  /**
   * Redeploys of the unchanged configuration after the last round: a fixed count, or `auto` — one at
   * a time until the sequential redeploy test decides leak or healthy, at most `max`.
   */
  readonly redeploys: RedeployPlan;
  /** Readings at each measurement point (`--readings`), each after its own forced GC where the target forces GC. */
  readonly readings: number;
  /** Pause between the readings of one point (`--reading-interval-ms`). */
  readonly readingIntervalMs: number;
  /** Healthy margin per deploy as a fraction of memory (`--leak-margin 0.25%` → 0.0025); the analysis and the sequential test read it. */
  readonly leakMarginFraction: number;
  readonly gatewayHeapMb: number | null;
  readonly wsdlVersion: WsdlVersionChoice;
  /** Folder of the user's own WSDL templates, or null for the built-in ones. */
  readonly wsdlDir: string | null;
  readonly seed: number;
  /** Run folder. */
  readonly outDir: string;
  readonly verify: VerifyMode;
  /** Timeout of one deployment-API call. */
  readonly callTimeoutMs: number;
  /** Interval of the memory sampler while a deploy runs. */
  readonly sampleIntervalMs: number;
  /** Latency the harness's SOAP backend adds to every answer. */
  readonly backendLatencyMs: number;
  /** Heap limit for the analysis when the target's own is unknown. */
  readonly heapMaxBytes: number | null;
  /** Concurrency phase: client concurrency of each traffic step (empty: no phase). */
  readonly loadSteps: readonly number[];
  readonly loadStepMs: number;
  /** Quiet time after a step before measuring. */
  readonly loadIdleMs: number;
  /** Services whose operations receive the phase's traffic. */
  readonly loadServices: number;
  /** Restart the gateway after a crash and go on (up to 3 times), as people do in the field. */
  readonly restartOnCrash: boolean;
  /** Tomcat only (absent for other targets): how each deploy after the first redeploys existing contexts. */
  readonly redeployMode?: RedeployMode;
  /** HAProxy only (absent otherwise, and when not set): `hard-stop-after` in ms. */
  readonly hardStopAfterMs?: number;
  /** Varnish only (absent otherwise): discard earlier VCLs after each deploy. */
  readonly discardOld?: boolean;
  /** Requests kept in flight through the gateway while every deploy runs (absent or 0: none). */
  readonly deployUnderLoad?: number;
  /** `--attach --admin-url URL`: register into a gateway that is already running; gwscale neither starts nor stops it. */
  readonly attachAdminUrl?: string;
  /** `--allow-remote`: the gateway (and a recipe's URLs) may be off loopback. */
  readonly allowRemote?: boolean;
  /** `--cleanup`: remove what the run registered when it ends (also after Ctrl-C). */
  readonly cleanup?: boolean;
  /** `--memory-source`: extra memory sources, one per node of a cluster (see `parseMemorySource`). */
  readonly memorySources?: readonly string[];
}

/** The target-specific settings of a run, as the adapter receives them. */
export function targetOptionsOf(config: RunConfig): TargetOptions {
  return {
    ...(config.redeployMode === undefined ? {} : { redeployMode: config.redeployMode }),
    ...(config.hardStopAfterMs === undefined ? {} : { hardStopAfterMs: config.hardStopAfterMs }),
    ...(config.discardOld === undefined ? {} : { discardOld: config.discardOld }),
  };
}

/** Settings as written to the run log and report (the config minus anything secret; there is none in it). */
export function settingsOf(config: RunConfig): Record<string, unknown> {
  return { ...config };
}
