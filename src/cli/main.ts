/**
 * The CLI shell: builds commander commands from the command specs, turns errors into one line and
 * an exit code. No logic lives here.
 */
import { Command as CommanderCommand, CommanderError, Option } from 'commander';
import { GwscaleError, messageOf } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { allowedText, flagOf, type OptionSpec } from '../option-spec.js';
import type { Command } from './command-spec.js';
import { commands } from './commands/index.js';
import { harnessVersion } from '../version.js';

function optionText(spec: OptionSpec): string {
  const parts = [spec.description];
  if (spec.kind.type !== 'boolean' && spec.kind.type !== 'string' && spec.kind.type !== 'path') parts.push(`(${allowedText(spec.kind)})`);
  if (spec.default !== undefined && spec.default !== false)
    parts.push(
      `[default: ${JSON.stringify(spec.default)
        .replace(/^\[|\]$/g, '')
        .replace(/"/g, '')}]`,
    );
  return parts.join(' ');
}

function addOption(cmd: CommanderCommand, spec: OptionSpec): void {
  const flag = flagOf(spec.key);
  const short = spec.short ? `-${spec.short}, ` : '';
  const value = spec.kind.type === 'boolean' ? '' : ` <${spec.placeholder ?? 'value'}>`;
  const option = new Option(`${short}${flag}${value}`, optionText(spec));
  // A list flag given several times keeps every value.
  if (spec.kind.type === 'string-list') option.argParser((v: string, previous: unknown) => [...(Array.isArray(previous) ? (previous as string[]) : []), v]);
  cmd.addOption(option);
}

/** Summaries of command groups (`gwscale wsdl …`), which have no spec of their own. */
const GROUP_SUMMARIES: Readonly<Record<string, string>> = {
  wsdl: 'generate N unique WSDL 1.1/2.0 services, or parse and check WSDL files',
};

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

function buildCommand(parent: CommanderCommand, spec: Command, io: Io, state: { code: ExitCode; verbose: boolean }, signal: AbortSignal): void {
  const words = spec.name.split(' ');
  let host = parent;
  for (const word of words.slice(0, -1)) {
    host = host.commands.find((c) => c.name() === word) ?? host.command(word).description(GROUP_SUMMARIES[word] ?? `${word} commands`);
  }
  const cmd = host.command(words[words.length - 1] ?? spec.name).description(spec.summary);
  for (const arg of spec.args) {
    const name = arg.variadic ? `${arg.name}...` : arg.name;
    cmd.argument(arg.optional ? `[${name}]` : `<${name}>`, arg.description);
  }
  for (const option of spec.options) addOption(cmd, option);
  if (spec.configFile) cmd.addOption(new Option('--config <file>', 'read options from a JSON file; flags win over it'));
  cmd.addOption(new Option('--verbose', 'print stack traces and diagnostic lines'));
  if (spec.examples.length > 0) cmd.addHelpText('after', '\nExamples:\n' + spec.examples.map((e) => `  $ ${e}`).join('\n'));
  cmd.action(async (...actionArgs: unknown[]) => {
    const raw = cmd.opts<Record<string, unknown>>();
    state.verbose = raw.verbose === true;
    const args = (actionArgs.slice(0, spec.args.length) as (string | string[] | undefined)[]).flatMap((a) => (a === undefined ? [] : a));
    state.code = await spec.execute(raw, typeof raw.config === 'string' ? raw.config : undefined, args, {
      out: io.out,
      err: io.err,
      verbose: state.verbose,
      signal,
    });
  });
}

/** stdout/stderr writers that tolerate a closed pipe (`gwscale … | head`): the rest is dropped. */
function processIo(): Io {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
    });
  }
  return { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };
}

/** Runs the CLI; returns the exit code (never calls process.exit). */
export async function main(argv: readonly string[], io: Io = processIo()): Promise<ExitCode> {
  const state = { code: ExitCode.Ok as ExitCode, verbose: argv.includes('--verbose') };
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const program = new CommanderCommand('gwscale')
    .description('How many services can a gateway hold before it runs out of memory, and does it leak?')
    .version(harnessVersion, '-V, --version')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err, outputError: () => undefined })
    .showHelpAfterError(false)
    // Program options stop at the subcommand, so `wsdl generate --version 2.0` is that command's flag.
    .enablePositionalOptions();
  for (const spec of commands) buildCommand(program, spec, io, state, controller.signal);
  for (const sub of program.commands) sub.exitOverride();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return state.code;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return ExitCode.Ok;
      io.err(`gwscale: ${error.message.replace(/^error: /, '')}\n  hint: see gwscale --help\n`);
      return ExitCode.Usage;
    }
    if (error instanceof GwscaleError) {
      io.err(`gwscale: ${messageOf(error)}\n`);
      if (error.hint) io.err(`  hint: ${error.hint}\n`);
      if (state.verbose && error.stack) io.err(error.stack + '\n');
      return error.exitCode;
    }
    io.err(`gwscale: internal error: ${messageOf(error)}\n`);
    if (state.verbose && error instanceof Error && error.stack) io.err(error.stack + '\n');
    else io.err('  hint: run again with --verbose for the stack trace, and report it\n');
    return ExitCode.Internal;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
