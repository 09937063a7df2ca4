/**
 * gwscale's typed API: every CLI command is a thin shell over one of these. Import them to drive
 * gwscale from your own code (`import { run } from 'gwscale'`).
 */

/** `gwscale run`: a registration scale test; `gwscale run --resume RUN_DIR` continues one. */
export { run, resumeRun, defaultRunDir, runConfigOf, runSettingOptions, type RunResult, type RunOptions } from './run.js';
/** `gwscale analyze [RUN_DIR] [--from-csv FILE]`: the growth-curve analysis and verdict. */
export { analyze } from './analyze.js';
/** `gwscale report RUN_DIR`: re-renders a run folder's reports from its run log. */
export { renderRunFolder, gateReport, type ReportFiles } from './report.js';
/** `gwscale compare RUN_A RUN_B`: two runs (two gateway versions) side by side. */
export { compareRuns, loadReport } from './compare.js';
/** `gwscale traffic`: the load generator. */
export { runTraffic, driveConcurrencyStep, trafficOptionsFor } from './traffic.js';
/** `gwscale wsdl generate` and `gwscale wsdl check`. */
export { generateWsdls, checkWsdls, checkWsdlTemplates, type GenerateWsdlsOptions } from './wsdl.js';
/** `gwscale recipe check FILE` and `gwscale cleanup RUN_DIR`. */
export { checkRecipeFile, cleanupRun, type RecipeCheckOptions, type RecipeCheckResult } from './recipe.js';
export { TARGET_NAMES } from '../gateways/registry.js';
export type { RunConfig } from '../driver/config.js';
export type { Round } from '../run-log/round.js';
export type { Analysis } from '../analysis/analysis.js';
export type { Report } from '../report/build.js';
export type {
  GatewayAdapter,
  AdapterContext,
  AdapterFactory,
  AttachOptions,
  CleanupOutcome,
  DeployOutcome,
  GatewayCounts,
  GatewayExit,
  GatewayInfo,
  MemoryReading,
  MemorySource,
  RegisteredEntity,
  RegisterOutcome,
  ServiceSpec,
  TargetName,
  TargetOptions,
  VerifyOutcome,
} from '../gateways/adapter.js';
