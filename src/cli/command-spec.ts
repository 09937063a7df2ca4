/**
 * A command: its option table, positional arguments and the API call it makes. `main.ts` turns
 * these into commander commands; README's command list is generated from the same specs.
 */
import type { OptionSpec, OptionValues } from '../option-spec.js';
import type { ExitCode } from '../exit-codes.js';
import { resolveOptions } from './parse-options.js';

export interface ArgumentSpec {
  readonly name: string;
  readonly description: string;
  readonly variadic?: boolean;
  readonly optional?: boolean;
}

/** Where a command writes, and what it is told besides its options. */
export interface CommandIo {
  /** Writes to stdout (reports, `--json` output). */
  readonly out: (text: string) => void;
  /** Writes to stderr (progress, logs, warnings). */
  readonly err: (text: string) => void;
  readonly verbose: boolean;
  /** Aborted on SIGINT/SIGTERM. */
  readonly signal: AbortSignal;
}

/** What a command's handler gets: parsed, validated, frozen options and its positional arguments. */
export interface CommandInput<O> extends CommandIo {
  readonly options: O;
  readonly args: readonly string[];
}

/** What every command has, whatever its options: what `--help` and README show. */
interface CommandText<T extends readonly OptionSpec[]> {
  /** e.g. `run`, or `wsdl generate` for a subcommand. */
  readonly name: string;
  readonly summary: string;
  readonly args: readonly ArgumentSpec[];
  /** The option table; the handler's option type is derived from it (`OptionValues`). */
  readonly options: T;
  /** Example invocations, shown in --help and README. */
  readonly examples: readonly string[];
  /** Accepts `--config FILE` holding the options as JSON. */
  readonly configFile?: boolean;
}

/** A command as written: its table (declared `as const satisfies readonly OptionSpec[]`) and handlers typed from it. */
export interface CommandSpec<T extends readonly OptionSpec[]> extends CommandText<T> {
  /** Cross-option checks after each option was parsed (e.g. "--batch must not exceed --services"). */
  readonly validate?: (options: OptionValues<T>) => void;
  readonly run: (input: CommandInput<OptionValues<T>>) => Promise<ExitCode>;
}

/** A command as the registry holds it: its text, and a handler that parses raw flags with its own table. */
export interface Command extends CommandText<readonly OptionSpec[]> {
  /**
   * Parses commander's raw values (and the `--config` file) with the command's table, validates them
   * and runs the command.
   */
  readonly execute: (raw: Readonly<Record<string, unknown>>, configPath: string | undefined, args: readonly string[], io: CommandIo) => Promise<ExitCode>;
}

/** Binds a command's handlers to its table, so the registry needs no option types. */
export function defineCommand<const T extends readonly OptionSpec[]>(spec: CommandSpec<T>): Command {
  const { validate, run, ...text } = spec;
  return {
    ...text,
    execute(raw, configPath, args, io) {
      const options = resolveOptions(spec.options, raw, configPath);
      validate?.(options);
      return run({ ...io, options, args });
    },
  };
}
