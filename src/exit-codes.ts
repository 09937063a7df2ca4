/** Exit codes of the `gwscale` CLI; README's "Exit codes" table lists the same. */
export enum ExitCode {
  /** Finished; verdict healthy, bounded-retention or inconclusive; compare found no regression. */
  Ok = 0,
  /** A bug in gwscale itself. */
  Internal = 1,
  /** Wrong flags or config values. */
  Usage = 2,
  /** Verdict `leak` (or a `--fail-on` kind / threshold that failed). */
  Leak = 3,
  /** Verdict `concurrency-retention`. */
  ConcurrencyRetention = 4,
  /** The gateway crashed during the run (report still written). */
  GatewayCrashed = 5,
  /** Bad input file (WSDL, CSV, run log). */
  Input = 6,
  /** The gateway could not be started, reached or driven (also: Locust workers that never came or went missing). */
  Gateway = 7,
  /** `compare`: B is worse than A beyond noise. */
  Regression = 8,
  /** Stopped by SIGINT/SIGTERM; report written for what was measured. */
  Interrupted = 130,
}
