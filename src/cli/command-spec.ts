/**
 * A command: its option table, positional arguments and the API call it makes. `main.ts` turns
 * these into commander commands; README's command list is generated from the same specs.
 */
import type { OptionSpec } from './option-spec.js';
import type { ExitCode } from '../exit-codes.js';

export interface ArgumentSpec {
  readonly name: string;
  readonly description: string;
  readonly variadic?: boolean;
  readonly optional?: boolean;
}

/** What a command's handler gets: parsed, validated, frozen options and its positional arguments. */
export interface CommandInput<O> {
  readonly options: Readonly<O>;
  readonly args: readonly string[];
  /** Writes to stdout (reports, `--json` output). */
  readonly out: (text: string) => void;
  /** Writes to stderr (progress, logs, warnings). */
  readonly err: (text: string) => void;
  readonly verbose: boolean;
  /** Aborted on SIGINT/SIGTERM. */
  readonly signal: AbortSignal;
}

export interface CommandSpec<O = Record<string, unknown>> {
  /** e.g. `run`, or `wsdl generate` for a subcommand. */
  readonly name: string;
  readonly summary: string;
  readonly args: readonly ArgumentSpec[];
  readonly options: readonly OptionSpec[];
  /** Example invocations, shown in --help and README. */
  readonly examples: readonly string[];
  /** Accepts `--config FILE` holding the options as JSON. */
  readonly configFile?: boolean;
  /** Cross-option checks after each option was parsed (e.g. "--batch must not exceed --services"). */
  readonly validate?: (options: Readonly<O>) => void;
  readonly run: (input: CommandInput<O>) => Promise<ExitCode>;
}

/**
 * Erases a command's option type for the registry: `main.ts` builds the options object from the
 * command's own table, so the handler always receives its declared shape.
 */
export function anyCommand<O>(spec: CommandSpec<O>): CommandSpec {
  return spec as unknown as CommandSpec;
}
