/**
 * Selectors pick values out of a gateway's JSON answers: JSONPath (`$.data[*].id`, `$.total`,
 * `$.items.length`) through jsonpath-plus with script evaluation switched off, so a filter
 * expression (`[?(…)]`) in a recipe is refused instead of run.
 */
import { JSONPath } from 'jsonpath-plus';

/** Thrown for a selector that cannot be read or that matched nothing; the caller names the file and field. */
export class SelectorError extends Error {}

/** Every node the selector matches, in document order; throws a `SelectorError` for a malformed or scripted selector. */
export function selectAll(selector: string, json: unknown): unknown[] {
  if (!selector.startsWith('$')) throw new SelectorError(`selector "${selector}" must start with $ (e.g. $.data[*].id)`);
  // Refused before any data is seen: jsonpath-plus only meets a filter when there is something to filter.
  if (/\?\s*\(|\(\s*[@$]/.test(selector))
    throw new SelectorError(`selector "${selector}" has a filter or script expression; recipes take plain paths (e.g. $.data[*].id)`);
  try {
    // eval: false — filter and script expressions throw instead of being evaluated.
    const found: unknown = JSONPath({ path: selector, json: json as object, eval: false, wrap: true });
    return Array.isArray(found) ? found : [];
  } catch (error) {
    throw new SelectorError(`selector "${selector}" cannot be used: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** The one scalar the selector matches (a captured id); throws when it matches nothing, several nodes, or an object. */
export function selectOne(selector: string, json: unknown): string | number | boolean {
  const found = selectAll(selector, json);
  if (found.length === 0) throw new SelectorError(`selector "${selector}" matched nothing in the answer`);
  if (found.length > 1) throw new SelectorError(`selector "${selector}" matched ${found.length} values; it must match one`);
  const value = found[0];
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  throw new SelectorError(`selector "${selector}" matched ${value === null ? 'null' : typeof value}, not a text or number`);
}

/**
 * A count from an answer, with the first of `selectors` that matches anything: a single number is
 * the count, a single array counts its items, several matches count themselves. Throws when none matches.
 */
export function selectCount(selectors: readonly string[], json: unknown): number {
  for (const selector of selectors) {
    const found = selectAll(selector, json);
    if (found.length === 0) continue;
    const only = found.length === 1 ? found[0] : undefined;
    if (typeof only === 'number') return only;
    if (Array.isArray(only)) return only.length;
    if (only === null) continue;
    return found.length;
  }
  throw new SelectorError(
    `${selectors.length === 1 ? `selector "${selectors[0] ?? ''}"` : `each of the selectors ${selectors.join(', ')}`} matched nothing in the answer`,
  );
}
