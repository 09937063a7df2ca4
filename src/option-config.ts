/**
 * Option rows that also fill the frozen config an API takes (`RunConfig`): the config's type and
 * its builder both come from the table, so a new setting is one row.
 */
import type { OptionSpec, ValueOfKind } from './option-spec.js';

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
}

type FieldOf<S extends SettingSpec> = S extends { field: infer F extends string } ? F : S['key'];
type ConfigValue<S extends SettingSpec> = S extends { to: (value: never) => infer V } ? V : ValueOfKind<S['kind']>;

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
 * by row. Arrays and objects are copied before they are frozen, so the caller's stay theirs.
 */
export function configFrom<const T extends readonly SettingSpec[]>(table: T, options: Readonly<Record<string, unknown>>): ConfigOf<T> {
  const config: Record<string, unknown> = {};
  for (const row of table) {
    const value = options[row.key];
    if (row.onlyWhen !== undefined && (value === undefined || !row.onlyWhen(value, options))) continue;
    const converted = value === undefined ? null : row.to === undefined ? value : row.to(value);
    config[row.field ?? row.key] = deepFreeze(typeof converted === 'object' && converted !== null ? structuredClone(converted) : converted);
  }
  // Each field was set from its row above, as ConfigOf<T> describes row by row.
  return Object.freeze(config) as ConfigOf<T>;
}
