/**
 * Option rows that also fill the frozen config an API takes (`RunConfig`): the config's type and
 * its builder both come from the table, so a new setting is one row.
 */
import { z } from 'zod';
import { inputError } from './errors.js';
import { defaultValueOf, type OptionKind, type OptionSpec, type ValueOfKind } from './option-spec.js';

/** An option row that is also a field of a config. */
export interface SettingSpec extends OptionSpec {
  /** The config field when it is not the key, e.g. `leakMargin` → `leakMarginFraction`. */
  readonly field?: string;
  /** Turns the parsed value into the config's, e.g. a path into an absolute path. */
  readonly to?: (value: unknown) => unknown;
  /**
   * The field is recorded only when this holds (e.g. a Tomcat setting only for `--target tomcat`),
   * so a report does not show a setting that meant nothing; such a field is optional in the config.
   */
  readonly onlyWhen?: (value: unknown, options: Readonly<Record<string, unknown>>) => boolean;
  /** With `to`: the kind of the value `to` returns, which a config read back from a run log is checked against. */
  readonly configKind?: OptionKind;
  /**
   * What a run log written before this row existed means by leaving the field out, when that is not
   * the row's default (runs before `--readings` took one reading per point, not three).
   */
  readonly before?: unknown;
}

type FieldOf<S> = S extends { field: infer F extends string } ? F : S extends { key: infer K extends string } ? K : never;
type ConfigValue<S> = S extends { to: (value: never) => infer V } ? V : S extends { kind: infer K extends OptionKind } ? ValueOfKind<K> : never;

/**
 * The config a settings table fills (declare the table `as const satisfies readonly SettingSpec[]`):
 * one field per row; null where a row without a default was not given; optional for `onlyWhen` rows.
 */
export type ConfigOf<T extends readonly SettingSpec[]> = {
  readonly [S in T[number] as S extends { onlyWhen: unknown } ? never : FieldOf<S>]: S extends { default: unknown } ? ConfigValue<S> : ConfigValue<S> | null;
} & {
  readonly [S in T[number] as S extends { onlyWhen: unknown } ? FieldOf<S> : never]?: ConfigValue<S>;
};

function deepFreeze<V>(value: V): V {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/**
 * Builds the frozen config from parsed options (`resolveOptions`' output, or an API caller's), row
 * by row; an option the caller left out takes its row's default. Arrays and objects are copied
 * before they are frozen, so the caller's stay theirs.
 */
export function configFrom<const T extends readonly SettingSpec[]>(table: T, options: Readonly<Record<string, unknown>>): ConfigOf<T> {
  const given: Readonly<Record<string, unknown>> = {
    ...options,
    ...Object.fromEntries(table.map((row) => [row.key, options[row.key] ?? defaultValueOf(row)])),
  };
  const config: Record<string, unknown> = {};
  for (const row of table) {
    const value = given[row.key];
    if (row.onlyWhen !== undefined && (value === undefined || !row.onlyWhen(value, given))) continue;
    const converted = value === undefined ? null : row.to === undefined ? value : row.to(value);
    config[row.field ?? row.key] = deepFreeze(typeof converted === 'object' && converted !== null ? structuredClone(converted) : converted);
  }
  // Each field was set from its row above, as ConfigOf<T> describes row by row.
  return Object.freeze(config) as ConfigOf<T>;
}

/** The zod schema of a parsed value of this kind (a config value as recorded), for reading it back. */
function schemaOfKind(kind: OptionKind): z.ZodType {
  const autoPlan = z.object({ mode: z.literal('auto'), max: z.number().int() });
  switch (kind.type) {
    case 'int':
      return z.number().int();
    case 'number':
    case 'size':
    case 'percent':
    case 'duration':
      return z.number();
    case 'string':
    case 'path':
      return z.string();
    case 'boolean':
      return z.boolean();
    case 'enum':
      return z.enum(kind.choices as [string, ...string[]]);
    case 'enum-list':
      return z.array(z.enum(kind.choices as [string, ...string[]]));
    case 'int-list':
      return z.array(z.number().int());
    case 'string-list':
      return z.array(z.string());
    case 'duration-or-count':
      return z.union([z.object({ durationMs: z.number() }), z.object({ requests: z.number().int() })]);
    case 'int-or-auto':
      return z.union([z.number().int(), autoPlan]);
  }
}

/**
 * Reads a config back from where it was recorded (a run log's settings), each field checked
 * against its row: a field a log of an older version lacks takes the row's `before` or default;
 * a field of the wrong type is an input error naming `where` and the field. Fields no row knows
 * (e.g. `outDir`) are left out.
 */
export function configFromRecord<const T extends readonly SettingSpec[]>(table: T, recorded: Readonly<Record<string, unknown>>, where: string): ConfigOf<T> {
  const config: Record<string, unknown> = {};
  for (const row of table) {
    const field = row.field ?? row.key;
    let value = recorded[field];
    if (value === undefined) {
      // Recorded only where it meant something: absent stays absent.
      if (row.onlyWhen !== undefined) continue;
      const fallback = 'before' in row ? row.before : defaultValueOf(row);
      value = fallback === undefined ? null : row.to === undefined ? fallback : row.to(fallback);
    }
    const schema = schemaOfKind(row.to === undefined ? row.kind : (row.configKind ?? row.kind));
    const checked = (row.default === undefined && row.onlyWhen === undefined ? schema.nullable() : schema).safeParse(value);
    if (!checked.success)
      throw inputError(
        `${where}: settings.${field}: ${checked.error.issues[0]?.message ?? 'invalid'} (got ${JSON.stringify(value)})`,
        'the run log was written by another tool or edited; start a new run',
      );
    config[field] = deepFreeze(checked.data);
  }
  // Each field was checked against its row above, as ConfigOf<T> describes row by row.
  return Object.freeze(config) as ConfigOf<T>;
}
