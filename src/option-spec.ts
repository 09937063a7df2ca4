/**
 * One option table per command: name, type, default, description and example live here once.
 * `--help`, the README option lists, flag parsing, config-file validation and the frozen config
 * handed to the API are all derived from it.
 */
import { z } from 'zod';
import { usageError } from './errors.js';
import { parseSize } from './units.js';

export type OptionKind =
  | { type: 'int'; min?: number; max?: number }
  | { type: 'number'; min?: number; max?: number }
  | { type: 'size' }
  /** `0.25%` or `0.25` (both mean 0.25 %); parsed to a fraction (0.0025). `min`/`max` are in percent. */
  | { type: 'percent'; min?: number; max?: number }
  | { type: 'string' }
  | { type: 'path' }
  | { type: 'boolean' }
  | { type: 'enum'; choices: readonly string[] }
  | { type: 'enum-list'; choices: readonly string[] }
  | { type: 'int-list'; min?: number }
  /** Text given once or more (`--memory-source A --memory-source B`); a config file gives an array. */
  | { type: 'string-list' }
  /** A time such as `30s`, `500ms`, `2m`, `1m30s`; parsed to milliseconds. */
  | { type: 'duration'; minMs?: number; maxMs?: number }
  /** A duration (→ `{ durationMs }`) or a bare count (→ `{ requests }`), e.g. `--warmup 2s` or `--warmup 500`. */
  | { type: 'duration-or-count' }
  /**
   * A whole number, or `auto` / `auto:MAX` (→ `{ mode: 'auto', max }`, MAX defaulting to `autoMax.default`),
   * e.g. `--redeploys 6` or `--redeploys auto:20`.
   */
  | { type: 'int-or-auto'; min: number; max: number; autoMax: { min: number; max: number; default: number } };

/** What an `int-or-auto` option holds after parsing. */
export type IntOrAuto = number | { readonly mode: 'auto'; readonly max: number };

/** What a `duration-or-count` option holds after parsing. */
export type DurationOrCount = { readonly durationMs: number } | { readonly requests: number };

/** The value an option of this kind holds after parsing (`parseOptionValue`). */
export type ValueOfKind<K extends OptionKind> = K extends { type: 'int' | 'number' | 'size' | 'percent' | 'duration' }
  ? number
  : K extends { type: 'string' | 'path' }
    ? string
    : K extends { type: 'boolean' }
      ? boolean
      : K extends { type: 'enum'; choices: readonly (infer C)[] }
        ? C
        : K extends { type: 'enum-list'; choices: readonly (infer C)[] }
          ? readonly C[]
          : K extends { type: 'int-list' }
            ? readonly number[]
            : K extends { type: 'string-list' }
              ? readonly string[]
              : K extends { type: 'duration-or-count' }
                ? DurationOrCount
                : K extends { type: 'int-or-auto' }
                  ? IntOrAuto
                  : never;

/**
 * The parsed options of a command, derived from its table (declared `as const satisfies readonly
 * OptionSpec[]`): one field per row, named by its key, typed by its kind; a row without a default
 * may be undefined. The table is the only place an option is written down.
 */
export type OptionValues<T extends readonly OptionSpec[]> = {
  readonly [S in T[number] as S extends { default: unknown } ? S['key'] : never]: ValueOfKind<S['kind']>;
} & {
  readonly [S in T[number] as S extends { default: unknown } ? never : S['key']]?: ValueOfKind<S['kind']> | undefined;
};

export interface OptionSpec {
  /** camelCase key in the parsed config, e.g. `gatewayHeapMb` (flag `--gateway-heap-mb`). */
  readonly key: string;
  readonly kind: OptionKind;
  readonly description: string;
  readonly default?: unknown;
  readonly example?: string;
  /** Value placeholder in help, e.g. `N`. */
  readonly placeholder?: string;
  /** Short alias, e.g. `n`. */
  readonly short?: string;
  /** Not accepted from a config file (e.g. `--config` itself, `--resume`). */
  readonly flagOnly?: boolean;
}

export const flagOf = (key: string): string => '--' + key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());

function rangeText(kind: { min?: number; max?: number }): string {
  if (kind.min !== undefined && kind.max !== undefined) return ` from ${kind.min} to ${kind.max}`;
  if (kind.min !== undefined) return ` ≥ ${kind.min}`;
  if (kind.max !== undefined) return ` ≤ ${kind.max}`;
  return '';
}

/** What the option accepts, in words, for help text and error messages. */
export function allowedText(kind: OptionKind): string {
  switch (kind.type) {
    case 'int':
      return 'a whole number' + rangeText(kind);
    case 'number':
      return 'a number' + rangeText(kind);
    case 'size':
      return 'a size such as 512MB, 4GiB or 1048576 (binary units: KB = KiB)';
    case 'percent':
      return 'a percentage such as 10%' + (kind.min !== undefined && kind.max !== undefined ? ` from ${kind.min}% to ${kind.max}%` : '');
    case 'string':
      return 'text';
    case 'path':
      return 'a file or folder path';
    case 'boolean':
      return 'true or false';
    case 'enum':
      return 'one of ' + kind.choices.join(', ');
    case 'enum-list':
      return 'a comma-separated list of ' + kind.choices.join(', ');
    case 'int-list':
      return 'a comma-separated list of whole numbers' + rangeText(kind);
    case 'string-list':
      return 'text; give the flag once per value';
    case 'duration':
      return 'a duration such as 500ms, 30s, 2m or 1h' + durationRangeText(kind);
    case 'duration-or-count':
      return 'a duration such as 2s, or a request count such as 500';
    case 'int-or-auto':
      return `a whole number from ${kind.min} to ${kind.max}, or auto or auto:MAX (MAX from ${kind.autoMax.min} to ${kind.autoMax.max}; default ${kind.autoMax.default})`;
  }
}

const durationUnitsMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `500ms`, `30s`, `2m`, `1h`, `1m30s`, `1.5s` → milliseconds; undefined when it is not a duration (bare numbers are not). */
export function parseDurationMs(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/.test(trimmed)) return undefined;
  let total = 0;
  for (const m of trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) total += Number(m[1]) * (durationUnitsMs[m[2] ?? ''] ?? NaN);
  return Number.isFinite(total) ? Math.round(total) : undefined;
}

/** `1500` → `1.5s`; `90000` → `1m30s`; for help text and messages. */
export function formatDurationMs(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(3))}s`;
  const minutes = Math.floor(ms / 60_000);
  const rest = ms - minutes * 60_000;
  return rest === 0 ? `${minutes}m` : `${minutes}m${formatDurationMs(rest)}`;
}

function durationRangeText(kind: { minMs?: number; maxMs?: number }): string {
  if (kind.minMs !== undefined && kind.maxMs !== undefined) return ` from ${formatDurationMs(kind.minMs)} to ${formatDurationMs(kind.maxMs)}`;
  if (kind.minMs !== undefined) return ` ≥ ${formatDurationMs(kind.minMs)}`;
  if (kind.maxMs !== undefined) return ` ≤ ${formatDurationMs(kind.maxMs)}`;
  return '';
}

function fail(spec: OptionSpec, raw: unknown): never {
  throw usageError(`${flagOf(spec.key)}: got ${JSON.stringify(raw)}, expected ${allowedText(spec.kind)}`);
}

function checkRange(spec: OptionSpec, kind: { min?: number; max?: number }, value: number, raw: unknown): number {
  if ((kind.min !== undefined && value < kind.min) || (kind.max !== undefined && value > kind.max)) fail(spec, raw);
  return value;
}

/** Parses a flag's text (or a config file's value) into the option's type; never coerces bad input. */
export function parseOptionValue<S extends OptionSpec>(spec: S, raw: unknown): ValueOfKind<S['kind']>;
export function parseOptionValue(spec: OptionSpec, raw: unknown): unknown {
  const kind = spec.kind;
  const text = typeof raw === 'string' ? raw.trim() : raw;
  switch (kind.type) {
    case 'int': {
      const n = typeof text === 'number' ? text : typeof text === 'string' && /^-?\d+$/.test(text) ? Number(text) : NaN;
      if (!Number.isSafeInteger(n)) fail(spec, raw);
      return checkRange(spec, kind, n, raw);
    }
    case 'number': {
      const n = typeof text === 'number' ? text : typeof text === 'string' && text !== '' ? Number(text) : NaN;
      if (!Number.isFinite(n)) fail(spec, raw);
      return checkRange(spec, kind, n, raw);
    }
    case 'size': {
      if (typeof text === 'number' && Number.isSafeInteger(text) && text > 0) return text;
      if (typeof text !== 'string') fail(spec, raw);
      const bytes = parseSize(text);
      if (bytes === undefined) fail(spec, raw);
      return bytes;
    }
    case 'percent': {
      const m = typeof text === 'string' ? /^(\d+(?:\.\d+)?)%?$/.exec(text) : null;
      const n = typeof text === 'number' ? text : m ? Number(m[1]) : NaN;
      if (!Number.isFinite(n) || n < 0) fail(spec, raw);
      return checkRange(spec, kind, n, raw) / 100;
    }
    case 'string':
    case 'path':
      if (typeof text !== 'string' || text === '') fail(spec, raw);
      return text;
    case 'boolean':
      if (typeof text === 'boolean') return text;
      if (text === 'true') return true;
      if (text === 'false') return false;
      return fail(spec, raw);
    case 'enum':
      if (typeof text !== 'string' || !kind.choices.includes(text)) fail(spec, raw);
      return text;
    case 'enum-list': {
      const items: readonly unknown[] | null = Array.isArray(text) ? text : typeof text === 'string' ? text.split(',').map((s) => s.trim()) : null;
      if (!items || items.length === 0 || items.some((i) => typeof i !== 'string' || !kind.choices.includes(i))) fail(spec, raw);
      return items;
    }
    case 'duration': {
      const ms = typeof text === 'string' ? parseDurationMs(text) : undefined;
      if (ms === undefined || (kind.minMs !== undefined && ms < kind.minMs) || (kind.maxMs !== undefined && ms > kind.maxMs)) fail(spec, raw);
      return ms;
    }
    case 'duration-or-count': {
      if (typeof text === 'number' && Number.isSafeInteger(text) && text >= 0) return { requests: text };
      if (typeof text === 'string' && /^\d+$/.test(text) && Number.isSafeInteger(Number(text))) return { requests: Number(text) };
      const ms = typeof text === 'string' ? parseDurationMs(text) : undefined;
      if (ms === undefined) fail(spec, raw);
      return { durationMs: ms };
    }
    case 'int-or-auto': {
      if (typeof text === 'number' || (typeof text === 'string' && /^-?\d+$/.test(text))) {
        const n = Number(text);
        if (!Number.isSafeInteger(n)) fail(spec, raw);
        return checkRange(spec, kind, n, raw);
      }
      const m = typeof text === 'string' ? /^auto(?::(\d+))?$/.exec(text) : null;
      if (m === null) fail(spec, raw);
      const max = m[1] === undefined ? kind.autoMax.default : Number(m[1]);
      if (!Number.isSafeInteger(max) || max < kind.autoMax.min || max > kind.autoMax.max) fail(spec, raw);
      return { mode: 'auto', max };
    }
    case 'string-list': {
      const items: readonly unknown[] | null = Array.isArray(text) ? text : typeof text === 'string' ? [text] : null;
      if (!items || items.some((i) => typeof i !== 'string' || i.trim() === '')) fail(spec, raw);
      return items.map((i) => String(i).trim());
    }
    case 'int-list': {
      const items = Array.isArray(text) ? text : typeof text === 'string' ? text.split(',').map((s) => s.trim()) : null;
      if (!items || items.length === 0) fail(spec, raw);
      return items.map((item) => {
        const n = typeof item === 'number' ? item : typeof item === 'string' && /^\d+$/.test(item) ? Number(item) : NaN;
        if (!Number.isSafeInteger(n) || (kind.min !== undefined && n < kind.min)) fail(spec, raw);
        return n;
      });
    }
  }
}

/** The value an absent option takes: its default, parsed as the flag would be when written as text (`0.25%`). */
export function defaultValueOf(spec: OptionSpec): unknown {
  return typeof spec.default === 'string' ? parseOptionValue(spec, spec.default) : spec.default;
}

/** A zod schema for a config file holding these options (unknown keys are an error). */
export function configFileSchema(specs: readonly OptionSpec[]): z.ZodType<Record<string, unknown>> {
  const shape: Record<string, z.ZodType> = {};
  for (const spec of specs) {
    if (spec.flagOnly) continue;
    shape[spec.key] = z.unknown().optional();
  }
  return z.strictObject(shape);
}
