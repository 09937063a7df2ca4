/**
 * Reads a recipe file (JSON or YAML), checks it against the schema, then checks every template
 * against the values its field may use and every URL against loopback. Each mistake becomes one
 * line: `FILE: $.path.to.field: what is wrong (allowed: …)`.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { inputError, usageError, type GwscaleError } from '../../errors.js';
import { isLoopbackHost } from '../../loopback.js';
import { recipeSchema, type Recipe, type RecipeCall } from './schema.js';
import { checkNames, parseTemplate, TemplateError } from './template.js';
import { SelectorError, selectAll } from './selector.js';

/** A checked recipe and where it came from. */
export interface LoadedRecipe {
  readonly file: string;
  readonly recipe: Recipe;
}

type PathPart = string | number | symbol;

/** `['register', 0, 'path']` → `$.register[0].path`. */
export function jsonPath(path: readonly PathPart[]): string {
  return '$' + path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
}

/** Zod's definition of a schema, read only as far as the key lists need. */
interface Def {
  readonly type?: string;
  readonly shape?: Record<string, unknown>;
  readonly element?: unknown;
  readonly innerType?: unknown;
  readonly options?: readonly unknown[];
  readonly getter?: () => unknown;
}
const defOf = (schema: unknown): Def => (schema as { _zod?: { def?: Def } })._zod?.def ?? {};

/** The keys an object at `path` may have, found by walking the schema beside the data. */
function allowedKeysAt(schema: unknown, data: unknown, path: readonly PathPart[]): string[] {
  let s = schema;
  let d = data;
  let i = 0;
  for (let guard = 0; guard < 100; guard++) {
    const def = defOf(s);
    if (def.type === 'optional' || def.type === 'default' || def.type === 'nonoptional') s = def.innerType;
    else if (def.type === 'lazy' && def.getter) s = def.getter();
    else if (def.type === 'union') {
      // The object option whose literal fields match the data (discriminated unions), else the first object.
      const objects = (def.options ?? []).filter((o) => defOf(o).type === 'object');
      s =
        objects.find((o) =>
          Object.entries(defOf(o).shape ?? {}).every(
            ([k, v]) => defOf(v).type !== 'literal' || (defOf(v) as { values?: unknown[] }).values?.includes((d as Record<string, unknown> | null)?.[k]),
          ),
        ) ?? objects[0];
    } else if (i === path.length) return def.type === 'object' ? Object.keys(def.shape ?? {}) : [];
    else if (def.type === 'object') {
      const key = String(path[i]);
      s = def.shape?.[key];
      d = (d as Record<string, unknown> | null)?.[key];
      i++;
    } else if (def.type === 'array') {
      s = def.element;
      d = (d as unknown[] | null)?.[Number(path[i])];
      i++;
    } else return [];
  }
  return [];
}

function describeIssue(issue: z.core.$ZodIssue, data: unknown): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')} (allowed: ${allowedKeysAt(recipeSchema, data, issue.path).join(', ')})`;
    case 'invalid_value':
      return `${issue.message.replace(/^Invalid (option|input): /, '')} (allowed: ${issue.values.map((v) => JSON.stringify(v)).join(', ')})`;
    case 'invalid_union': {
      const { options } = issue as { options?: readonly string[] };
      if (options !== undefined) return `not a known kind (allowed: ${options.join(', ')})`;
      const expected = issue.errors.map((alt) => alt[0]?.message.replace(/^Invalid input: /, '') ?? '').filter((m) => m !== '');
      return `not any of the allowed forms (${expected.join('; or ')})`;
    }
    case 'invalid_key':
      return issue.issues[0]?.message ?? issue.message;
    case 'invalid_type':
      return issue.message.replace(/^Invalid input: /, '').replace('received undefined', 'but it is missing');
    default:
      return issue.message;
  }
}

/** One input error naming the file and the JSON path. */
export function recipeError(file: string, path: readonly PathPart[], message: string, hint?: string): GwscaleError {
  return inputError(`${file}: ${jsonPath(path)}: ${message}`, hint);
}

/** Values every call of a recipe may use. */
const BASE_NAMES = ['admin.url', 'data.url', 'backend.url', 'wsdl.base'];
/** Values about the service a call is for. */
export const SERVICE_NAMES = [
  'service.name',
  'service.group',
  'service.index',
  'service.namespace',
  'service.fileName',
  'service.operations',
  'wsdl.url',
  'wsdl.text',
  'backend.address',
  'backend.host',
  'backend.port',
  'backend.dial',
  'backend.path',
];
const PORT_NAMES = ['ports.admin', 'ports.data'];
const START_NAMES = [...PORT_NAMES, 'workDir', 'heapMb', 'profile', 'node', 'gwscale.dist', 'backend.url'];

interface TemplateField {
  readonly path: readonly PathPart[];
  readonly text: string;
  readonly allowed: readonly string[];
}

/** Every template string of a call: path, headers, text body, and the string leaves of a JSON body. */
function callTemplates(call: RecipeCall, at: readonly PathPart[], allowed: readonly string[]): TemplateField[] {
  const fields: TemplateField[] = [{ path: [...at, 'path'], text: call.path, allowed }];
  for (const [name, value] of Object.entries(call.headers ?? {})) fields.push({ path: [...at, 'headers', name], text: value, allowed });
  if (call.bodyText !== undefined) fields.push({ path: [...at, 'bodyText'], text: call.bodyText, allowed });
  const walk = (value: unknown, path: readonly PathPart[]): void => {
    if (typeof value === 'string') fields.push({ path, text: value, allowed });
    else if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...path, i]));
    else if (typeof value === 'object' && value !== null) {
      for (const [k, v] of Object.entries(value)) {
        fields.push({ path: [...path, k], text: k, allowed });
        walk(v, [...path, k]);
      }
    }
  };
  walk(call.body, [...at, 'body']);
  return fields;
}

/** Every template of the recipe with the names it may use; captures only after the call that makes them. */
function templateFields(recipe: Recipe): TemplateField[] {
  const fields: TemplateField[] = [];
  if (recipe.adminUrl !== undefined) fields.push({ path: ['adminUrl'], text: recipe.adminUrl, allowed: PORT_NAMES });
  if (recipe.start) {
    recipe.start.command.forEach((arg, i) => fields.push({ path: ['start', 'command', i], text: arg, allowed: START_NAMES }));
    for (const [name, text] of Object.entries(recipe.start.files ?? {})) fields.push({ path: ['start', 'files', name], text, allowed: START_NAMES });
    if (recipe.start.ready) fields.push(...callTemplates(recipe.start.ready, ['start', 'ready'], ['admin.url', 'backend.url', 'wsdl.base']));
  }
  // Setup calls run before anything else; what they capture is `setup.NAME` from then on.
  const setupNames: string[] = [];
  recipe.setup.forEach((call, i) => {
    fields.push(...callTemplates(call, ['setup', i], [...BASE_NAMES.filter((n) => n !== 'data.url'), ...setupNames]));
    setupNames.push(...Object.keys(call.capture ?? {}).map((name) => `setup.${name}`));
  });
  const base = [...BASE_NAMES, ...setupNames];
  fields.push({ path: ['dataUrl'], text: recipe.dataUrl, allowed: [...PORT_NAMES, 'admin.url', ...setupNames] });
  recipe.restart?.command.forEach((arg, i) => fields.push({ path: ['restart', 'command', i], text: arg, allowed: base }));
  const captured: string[] = [];
  const serviceCalls = [...recipe.register.map((c, i) => ({ c, at: ['register', i] })), ...recipe.attach.map((c, i) => ({ c, at: ['attach', i] }))];
  for (const { c, at } of serviceCalls) {
    fields.push(...callTemplates(c, at, [...base, ...SERVICE_NAMES, ...captured]));
    captured.push(...Object.keys(c.capture ?? {}).map((name) => `capture.${name}`));
  }
  // Removal may run later from the run log, which does not keep the WSDL text.
  const removable = [...base, ...SERVICE_NAMES.filter((n) => n !== 'wsdl.text'), ...captured];
  recipe.remove?.forEach((call, i) => fields.push(...callTemplates(call, ['remove', i], removable)));
  if (recipe.deploy !== 'none') fields.push(...callTemplates(recipe.deploy, ['deploy'], base));
  fields.push(...callTemplates(recipe.list.call, ['list', 'call'], base));
  fields.push({ path: ['route'], text: recipe.route, allowed: [...base, ...SERVICE_NAMES, ...captured] });
  if (recipe.verify) {
    fields.push({ path: ['verify', 'header'], text: recipe.verify.header, allowed: [] });
    fields.push({ path: ['verify', 'contains'], text: recipe.verify.contains, allowed: [...base, ...SERVICE_NAMES, ...captured] });
  }
  recipe.memory.forEach((m, i) => {
    if (m.kind === 'json') fields.push(...callTemplates(m.call, ['memory', i, 'call'], base));
    if (m.kind === 'prometheus') {
      fields.push({ path: ['memory', i, 'url'], text: m.url, allowed: base });
      if (m.gcUrl !== undefined) fields.push({ path: ['memory', i, 'gcUrl'], text: m.gcUrl, allowed: base });
    }
    if (m.kind === 'jolokia' || m.kind === 'v8-inspector') fields.push({ path: ['memory', i, 'url'], text: m.url, allowed: base });
    if (m.kind === 'process' && m.pidFile !== undefined) fields.push({ path: ['memory', i, 'pidFile'], text: m.pidFile, allowed: ['workDir'] });
  });
  return fields;
}

/** Every selector of the recipe, so a malformed one fails at load time. */
function selectorFields(recipe: Recipe): { path: PathPart[]; selector: string }[] {
  const list = (s: string | readonly string[]): string[] => (typeof s === 'string' ? [s] : [...s]);
  const out: { path: PathPart[]; selector: string }[] = [];
  const calls: { call: RecipeCall; at: PathPart[] }[] = [
    ...recipe.setup.map((call, i) => ({ call, at: ['setup', i] as PathPart[] })),
    ...recipe.register.map((call, i) => ({ call, at: ['register', i] as PathPart[] })),
    ...recipe.attach.map((call, i) => ({ call, at: ['attach', i] as PathPart[] })),
  ];
  for (const { call, at } of calls) for (const [name, sel] of Object.entries(call.capture ?? {})) out.push({ path: [...at, 'capture', name], selector: sel });
  list(recipe.list.services).forEach((s, i) =>
    out.push({ path: typeof recipe.list.services === 'string' ? ['list', 'services'] : ['list', 'services', i], selector: s }),
  );
  if (recipe.list.policies !== undefined) list(recipe.list.policies).forEach((s) => out.push({ path: ['list', 'policies'], selector: s }));
  if (recipe.list.next !== undefined) out.push({ path: ['list', 'next'], selector: recipe.list.next });
  recipe.memory.forEach((m, i) => {
    if (m.kind === 'json') out.push({ path: ['memory', i, 'select'], selector: m.select });
  });
  return out;
}

/** Checks the parts of a recipe the schema cannot: templates, selectors, the process source, fixed URLs on loopback. */
function checkRecipe(file: string, recipe: Recipe, allowRemote: boolean): void {
  for (const field of templateFields(recipe)) {
    try {
      checkNames(parseTemplate(field.text), field.allowed);
    } catch (error) {
      if (error instanceof TemplateError) throw recipeError(file, field.path, error.message);
      throw error;
    }
  }
  for (const { path, selector } of selectorFields(recipe)) {
    try {
      selectAll(selector, {});
    } catch (error) {
      if (error instanceof SelectorError) throw recipeError(file, path, error.message);
      throw error;
    }
  }
  recipe.memory.forEach((m, i) => {
    if (m.kind !== 'process') return;
    const given = [m.pid !== undefined, m.pidFile !== undefined, m.started === true].filter(Boolean).length;
    if (given !== 1) throw recipeError(file, ['memory', i], 'a process source names exactly one of pid, pidFile, started: true');
    if (m.started === true && recipe.start === undefined)
      throw recipeError(file, ['memory', i, 'started'], 'there is no start command whose process could be read', 'add start.command, or name a pid or pidFile');
  });
  // A URL written out in the recipe (no template) must be on loopback unless --allow-remote.
  const urls: { path: PathPart[]; url: string }[] = [];
  if (recipe.adminUrl !== undefined) urls.push({ path: ['adminUrl'], url: recipe.adminUrl });
  urls.push({ path: ['dataUrl'], url: recipe.dataUrl });
  recipe.memory.forEach((m, i) => {
    if (m.kind === 'prometheus' || m.kind === 'jolokia' || m.kind === 'v8-inspector') urls.push({ path: ['memory', i, 'url'], url: m.url });
    if (m.kind === 'prometheus' && m.gcUrl !== undefined) urls.push({ path: ['memory', i, 'gcUrl'], url: m.gcUrl });
  });
  for (const { path, url } of urls) {
    // A URL made of values (`{{admin.url}}/metrics`) is checked when it is rendered.
    if (url.startsWith('{{')) continue;
    if (!/^https?:\/\//.test(url)) throw recipeError(file, path, `"${url}" is not an http:// or https:// URL`);
    const host = /^https?:\/\/(\[[^\]]*\]|[^/:?#]*)/.exec(url)?.[1] ?? '';
    if (host.includes('{{')) continue;
    if (!allowRemote && !isLoopbackHost(host))
      throw recipeError(file, path, `${host} is not on loopback (127.0.0.1, ::1)`, 'gwscale refuses other addresses unless you pass --allow-remote');
  }
}

/** Parses recipe text (YAML when `file` ends in .yaml or .yml, else JSON) and checks it; throws one-line input errors. */
export function parseRecipe(text: string, file: string, options: { readonly allowRemote?: boolean } = {}): Recipe {
  let data: unknown;
  const yaml = /\.ya?ml$/i.test(extname(file));
  try {
    data = yaml ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    const why = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw inputError(`${file}: not ${yaml ? 'YAML' : 'JSON'}: ${why}`);
  }
  const parsed = recipeSchema.safeParse(data);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    if (first === undefined) throw inputError(`${file}: not a recipe`);
    const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more)` : '';
    throw recipeError(file, first.path, describeIssue(first, data) + more, 'docs/targets.md describes every field of a recipe');
  }
  checkRecipe(file, parsed.data, options.allowRemote ?? false);
  return parsed.data;
}

/** Reads and checks a recipe file. */
export function loadRecipe(file: string, options: { readonly allowRemote?: boolean } = {}): LoadedRecipe {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw usageError(`--target recipe:${file}: no such file`, 'give the path of a recipe file (JSON or YAML), e.g. recipe:recipes/reference.json');
  }
  return { file, recipe: parseRecipe(text, file, options) };
}
