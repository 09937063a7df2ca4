/**
 * Makes a recipe's calls: renders the templates, sends the call through the shared admin client
 * (timeouts, retries of idempotent calls, one-line errors that name the URL and never a credential),
 * checks the status, and captures values from the JSON answer.
 */
import { gatewayError } from '../../errors.js';
import { AdminClient } from '../admin-client.js';
import type { Recipe, RecipeCall } from './schema.js';
import { SelectorError, selectOne } from './selector.js';
import { parseTemplate, renderText, renderValue, TemplateError, type TemplatePart, type TemplateValue, type TemplateValues } from './template.js';

/** The answer of a call that succeeded: its status and its body, parsed when it is JSON. */
export interface CallAnswer {
  readonly status: number;
  readonly json: unknown;
  readonly text: string;
  /** Values captured by the call's `capture` selectors, as `capture.NAME`. */
  readonly captured: Readonly<Record<string, TemplateValue>>;
}

/** Templates are parsed once per text. */
const parsed = new Map<string, TemplatePart[]>();
function template(text: string): TemplatePart[] {
  let parts = parsed.get(text);
  if (parts === undefined) {
    parts = parseTemplate(text);
    parsed.set(text, parts);
  }
  return parts;
}

export function render(text: string, values: TemplateValues): string {
  return renderText(template(text), values);
}

function renderJson(value: unknown, values: TemplateValues): unknown {
  if (typeof value === 'string') return renderValue(template(value), values);
  if (Array.isArray(value)) return value.map((v) => renderJson(v, values));
  // Keys are templates too: APISIX names upstream nodes by `host:port`.
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [renderText(template(k), values), renderJson(v, values)]));
  return value;
}

/** Headers that carry the run's credentials the way the recipe's `auth` says; basic auth is the admin client's. */
export function authHeaders(recipe: Recipe, credentials: { readonly password: string }): Readonly<Record<string, string>> {
  if (recipe.auth.type === 'bearer') return { authorization: `Bearer ${credentials.password}` };
  if (recipe.auth.type === 'header') return { [recipe.auth.name.toLowerCase()]: credentials.password };
  return {};
}

/** An admin client for a recipe's gateway at `adminUrl`. */
export function recipeClient(
  recipe: Recipe,
  adminUrl: string,
  credentials: { readonly user: string; readonly password: string },
  timeoutMs: number,
  log?: (line: string) => void,
): AdminClient {
  return new AdminClient({
    baseUrl: adminUrl,
    name: `${recipe.name}'s admin API`,
    timeoutMs,
    ...(recipe.auth.type === 'basic' ? { auth: credentials } : {}),
    ...(log ? { onRetry: log } : {}),
  });
}

/**
 * Sends one recipe call. A GET, PUT or DELETE is retried on transient failures; a POST or PATCH is
 * not (it may have taken effect). Throws a gateway error naming the call (`where`, e.g. `register[1]`).
 */
export async function sendCall(
  client: AdminClient,
  call: RecipeCall,
  values: TemplateValues,
  extraHeaders: Readonly<Record<string, string>>,
  where: string,
): Promise<CallAnswer> {
  let path: string;
  let body: string | undefined;
  const headers: Record<string, string> = { ...extraHeaders };
  try {
    path = render(call.path, values);
    for (const [name, value] of Object.entries(call.headers ?? {})) headers[name.toLowerCase()] = render(value, values);
    if (call.body !== undefined) {
      body = JSON.stringify(renderJson(call.body, values));
      headers['content-type'] ??= 'application/json';
    } else if (call.bodyText !== undefined) {
      body = render(call.bodyText, values);
      headers['content-type'] ??= call.contentType ?? 'text/plain';
    }
  } catch (error) {
    if (error instanceof TemplateError) throw gatewayError(`${where}: ${error.message}`);
    throw error;
  }
  const answer = await client.send({
    method: call.method,
    path,
    idempotent: call.method === 'GET' || call.method === 'PUT' || call.method === 'DELETE',
    headers,
    ...(body === undefined ? {} : { body }),
  });
  const ok = call.expect === undefined ? answer.status >= 200 && answer.status < 300 : call.expect.includes(answer.status);
  if (!ok) {
    const first = answer.text.trim().split(/\r?\n/)[0]?.slice(0, 200) ?? '';
    throw gatewayError(`${where}: ${call.method} ${client.baseUrl}${path} answered HTTP ${answer.status}${first === '' ? '' : `: ${first}`}`);
  }
  let json: unknown = undefined;
  try {
    json = answer.text === '' ? null : JSON.parse(answer.text);
  } catch {
    // not JSON: fine unless something is to be selected from it
  }
  const captured: Record<string, TemplateValue> = {};
  for (const [name, selector] of Object.entries(call.capture ?? {})) {
    if (json === undefined) throw gatewayError(`${where}: capture.${name}: ${call.method} ${path} did not answer JSON`);
    try {
      captured[`capture.${name}`] = selectOne(selector, json);
    } catch (error) {
      if (error instanceof SelectorError) throw gatewayError(`${where}: capture.${name}: ${error.message} of ${call.method} ${path}`);
      throw error;
    }
  }
  return { status: answer.status, json, text: answer.text, captured };
}
