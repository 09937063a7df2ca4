/**
 * Turns raw commander values (and a `--config` JSON file) into one validated, frozen options object.
 * Flags win over the file; defaults fill the rest.
 */
import { readFileSync } from 'node:fs';
import { usageError, inputError, messageOf } from '../errors.js';
import { configFileSchema, defaultValueOf, flagOf, parseOptionValue, type OptionSpec, type OptionValues } from '../option-spec.js';

function readConfigFile(path: string, specs: readonly OptionSpec[]): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw usageError(`--config ${path}: cannot read the file (${messageOf(error)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw inputError(`${path}: not valid JSON (${messageOf(error)})`, 'a config file is a JSON object of option names, e.g. {"services": 500}');
  }
  const parsed = configFileSchema(specs).safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') || '(top level)';
    const known = specs
      .filter((s) => !s.flagOnly)
      .map((s) => s.key)
      .join(', ');
    throw usageError(`${path}: field ${where}: ${issue?.message ?? 'invalid'}`, `allowed fields: ${known}`);
  }
  return parsed.data;
}

/**
 * @param raw values commander collected (strings or booleans), keyed by option key; undefined when absent.
 * @param configPath the `--config` file, if any.
 */
export function resolveOptions<const T extends readonly OptionSpec[]>(specs: T, raw: Readonly<Record<string, unknown>>, configPath?: string): OptionValues<T> {
  const fromFile = configPath === undefined ? {} : readConfigFile(configPath, specs);
  const result: Record<string, unknown> = {};
  for (const spec of specs) {
    const flagValue = raw[spec.key];
    if (flagValue !== undefined) {
      result[spec.key] = parseOptionValue(spec, flagValue);
    } else if (fromFile[spec.key] !== undefined) {
      try {
        result[spec.key] = parseOptionValue(spec, fromFile[spec.key]);
      } catch (error) {
        throw usageError(`${configPath ?? 'config'}: field ${spec.key}: ${messageOf(error).replace(flagOf(spec.key) + ': ', '')}`);
      }
    } else {
      result[spec.key] = defaultValueOf(spec);
    }
  }
  // Each field was parsed by its own row above, which is what OptionValues<T> says row by row.
  return Object.freeze(result) as OptionValues<T>;
}
