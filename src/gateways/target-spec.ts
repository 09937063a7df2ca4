/**
 * What `--target` names: a built-in target (`reference`, `caddy` …), a recipe (`recipe:FILE`, JSON
 * or YAML), or a plugin — a JavaScript module (`./my-target.js`) or an installed package
 * (`gwscale-target-kong`) that exports an adapter factory as `default` or `createAdapter`.
 */
import { createRequire } from 'node:module';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { messageOf, usageError } from '../errors.js';
import type { AdapterContext, AdapterFactory, GatewayAdapter } from './adapter.js';
import { builtInTargets, isTargetName, TARGET_NAMES } from './registry.js';
import { loadRecipe } from './recipe/load.js';
import { createRecipeAdapter } from './recipe/adapter.js';

export const RECIPE_PREFIX = 'recipe:';

/** A target ready to create adapters, and what it is for messages and reports. */
export interface ResolvedTarget {
  readonly kind: 'built-in' | 'recipe' | 'plugin';
  /** As given to `--target`. */
  readonly spec: string;
  readonly factory: AdapterFactory;
}

/** Methods every adapter has; a plugin's adapter lacking one is refused before it is used. */
const REQUIRED_METHODS = ['start', 'stop', 'restart', 'register', 'deploy', 'listing', 'liveMemory', 'verify', 'requestUrl', 'pid', 'exited'] as const;

/** Refuses a plugin's adapter that is not an object with every required method, naming what is missing. */
export function checkedAdapter(spec: string, adapter: unknown): GatewayAdapter {
  if (typeof adapter !== 'object' || adapter === null)
    throw usageError(`--target ${spec}: the factory returned ${adapter === null ? 'null' : typeof adapter}, not an adapter object`);
  const missing = REQUIRED_METHODS.filter((m) => typeof (adapter as Record<string, unknown>)[m] !== 'function');
  if (missing.length > 0) throw usageError(`--target ${spec}: the adapter lacks ${missing.join(', ')}`, 'docs/targets.md lists what an adapter must implement');
  if (typeof (adapter as { target?: unknown }).target !== 'string')
    throw usageError(`--target ${spec}: the adapter has no target name (a string field "target")`);
  return adapter as GatewayAdapter;
}

/** Looks like a file rather than a package name. */
function isPath(spec: string): boolean {
  return spec.startsWith('.') || spec.startsWith('/') || /\.(c|m)?js$/.test(spec);
}

async function importPlugin(spec: string, cwd: string): Promise<AdapterFactory> {
  let url: string;
  try {
    url = isPath(spec) ? pathToFileURL(resolve(cwd, spec)).href : pathToFileURL(createRequire(join(cwd, 'package.json')).resolve(spec)).href;
  } catch {
    throw usageError(
      `--target ${spec}: not a built-in target, and no such package is installed`,
      `use one of ${TARGET_NAMES.join(', ')}, recipe:FILE, a module path such as ./my-target.js, or npm install the package`,
    );
  }
  let module: Record<string, unknown>;
  try {
    module = (await import(url)) as Record<string, unknown>;
  } catch (error) {
    throw usageError(`--target ${spec}: the module could not be loaded: ${messageOf(error)}`);
  }
  const factory = typeof module['default'] === 'function' ? module['default'] : module['createAdapter'];
  if (typeof factory !== 'function')
    throw usageError(
      `--target ${spec}: the module exports no adapter factory`,
      'export default function (ctx) { … } or export function createAdapter(ctx) (docs/targets.md)',
    );
  return (ctx: AdapterContext) => checkedAdapter(spec, (factory as (c: AdapterContext) => unknown)(ctx));
}

/**
 * `--target` as the run log keeps it: a recipe's or a module's path made absolute, so `gwscale
 * cleanup` and `--resume` find it from any folder; names are kept as given.
 */
export function absoluteTarget(spec: string, cwd = process.cwd()): string {
  if (spec.startsWith(RECIPE_PREFIX)) return RECIPE_PREFIX + resolve(cwd, spec.slice(RECIPE_PREFIX.length));
  return !isTargetName(spec) && isPath(spec) ? resolve(cwd, spec) : spec;
}

/** A short name of a target for folder names: `reference`, `recipe-kong`, `my-target`. */
export function targetSlug(spec: string): string {
  const base = spec.startsWith(RECIPE_PREFIX)
    ? `recipe-${basename(spec.slice(RECIPE_PREFIX.length)).replace(/\.[^.]*$/, '')}`
    : basename(spec).replace(/\.(c|m)?js$/, '');
  return base.replace(/[^\w.-]+/g, '-');
}

/**
 * Resolves `--target`. Recipes are read and checked here, so a bad one fails before anything starts.
 * @param options.allowRemote `--allow-remote`: a recipe's fixed URLs may be off loopback.
 */
export async function resolveTarget(spec: string, options: { readonly allowRemote?: boolean; readonly cwd?: string } = {}): Promise<ResolvedTarget> {
  if (isTargetName(spec)) return { kind: 'built-in', spec, factory: builtInTargets[spec] };
  if (spec.startsWith(RECIPE_PREFIX)) {
    const loaded = loadRecipe(spec.slice(RECIPE_PREFIX.length), { allowRemote: options.allowRemote ?? false });
    return { kind: 'recipe', spec, factory: (ctx) => createRecipeAdapter(loaded, ctx) };
  }
  return { kind: 'plugin', spec, factory: await importPlugin(spec, options.cwd ?? process.cwd()) };
}
