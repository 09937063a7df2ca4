/**
 * The frozen configuration of one `gwscale run`. Built once by the CLI (or an API caller) and passed
 * down; nothing mutates it.
 */
import type { TargetOptions } from '../gateways/adapter.js';
import { configFrom, type ConfigOf } from '../option-config.js';
import { runSettingOptions } from './run-options.js';

/**
 * A run's settings, one field per row of `runSettingOptions` (its type and its values both come from
 * that table), and the run folder.
 */
export type RunConfig = ConfigOf<typeof runSettingOptions> & {
  /** Run folder. */
  readonly outDir: string;
};

export type VerifyMode = RunConfig['verify'];
/** `--redeploys R` (a count) or `--redeploys auto[:MAX]`. */
export type RedeployPlan = RunConfig['redeploys'];
export type WsdlVersionChoice = RunConfig['wsdlVersion'];

/**
 * The frozen `RunConfig` of parsed run options (`gwscale run`'s, or an API caller's keyed as the
 * flags are), written to `outDir`.
 */
export function runConfigOf(options: Readonly<Record<string, unknown>>, outDir: string): RunConfig {
  return Object.freeze({ ...configFrom(runSettingOptions, options), outDir });
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
