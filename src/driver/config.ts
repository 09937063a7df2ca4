/**
 * The frozen configuration of one `gwscale run`. Built once by the CLI (or an API caller) and passed
 * down; nothing mutates it.
 */
import type { TargetOptions } from '../gateways/adapter.js';
import { configFrom, configFromRecord, type ConfigOf } from '../option-config.js';
import type { RunSettings } from '../run-log/records.js';
import type { OptionValues } from '../option-spec.js';
import { DEFAULT_CRASH_RESTARTS, runSettingOptions } from './run-options.js';

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

/** A run's settings keyed and typed as `gwscale run`'s flags are after parsing (`leakMargin` as a fraction). */
export type RunSettingValues = OptionValues<typeof runSettingOptions>;

/**
 * The frozen `RunConfig` of parsed run options (`gwscale run`'s, or an API caller's keyed as the
 * flags are; left-out ones take their defaults), written to `outDir`.
 */
export function runConfigOf(options: Partial<RunSettingValues>, outDir: string): RunConfig {
  return Object.freeze({ ...configFrom(runSettingOptions, options), outDir });
}

/**
 * The `RunConfig` a run log recorded (`gwscale run --resume`), every setting checked against its
 * row; settings an older version did not record take what that version did. `where` names the log
 * in errors.
 */
export function runConfigOfLog(settings: RunSettings, outDir: string, where: string): RunConfig {
  return Object.freeze({ ...configFromRecord(runSettingOptions, settings, where), outDir });
}

/** Crash restarts the run allows: `--crash-restarts` with `--restart-on-crash`, else none. */
export function crashRestartsOf(config: RunConfig): number {
  // A config built by hand (or read from an older run log) may name no count: the row's default.
  return config.restartOnCrash ? (config.crashRestarts ?? DEFAULT_CRASH_RESTARTS) : 0;
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
export function settingsOf(config: RunConfig): RunSettings {
  return { ...config };
}
