/**
 * The recipe templating language: `{{service.name}}`, `{{capture.id | url}}`, `{{wsdl.text | json}}`.
 * A placeholder is a dotted name and zero or more filters; nothing else is accepted, and nothing
 * is evaluated (no expressions, no code). Names are checked when the recipe is loaded, against the
 * names each field may use, so a typo fails before the first call.
 */

/** Filters a placeholder may apply, in order: `json` (a JSON string literal), `url` (one path segment). */
export const TEMPLATE_FILTERS = ['json', 'url', 'xml'] as const;
export type TemplateFilter = (typeof TEMPLATE_FILTERS)[number];

export interface Placeholder {
  readonly name: string;
  readonly filters: readonly TemplateFilter[];
}

/** A parsed template: literal text and placeholders, alternating. */
export type TemplatePart = { readonly text: string } | { readonly placeholder: Placeholder };

export type TemplateValue = string | number | boolean;
/** Values by dotted name (`service.name` → `svc-1`). */
export type TemplateValues = Readonly<Record<string, TemplateValue>>;

const NAME = /^[a-zA-Z_][a-zA-Z0-9_]*(?:\.[a-zA-Z_][a-zA-Z0-9_-]*)*$/;

/** Thrown for a malformed template or an unknown name; the caller adds the file and JSON path. */
export class TemplateError extends Error {}

/** Parses a template; throws a `TemplateError` for `{{` without `}}`, an empty name, or an unknown filter. */
export function parseTemplate(text: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let at = 0;
  while (at < text.length) {
    const open = text.indexOf('{{', at);
    if (open < 0) {
      parts.push({ text: text.slice(at) });
      break;
    }
    if (open > at) parts.push({ text: text.slice(at, open) });
    const close = text.indexOf('}}', open + 2);
    if (close < 0) throw new TemplateError(`"{{" at character ${open} has no closing "}}"`);
    const [rawName = '', ...rawFilters] = text
      .slice(open + 2, close)
      .split('|')
      .map((s) => s.trim());
    if (!NAME.test(rawName)) throw new TemplateError(`"{{${text.slice(open + 2, close)}}}" does not name a value (write e.g. {{service.name}})`);
    const filters = rawFilters.map((f) => {
      if (!(TEMPLATE_FILTERS as readonly string[]).includes(f))
        throw new TemplateError(`unknown filter "${f}" in {{${text.slice(open + 2, close).trim()}}} (allowed: ${TEMPLATE_FILTERS.join(', ')})`);
      return f as TemplateFilter;
    });
    parts.push({ placeholder: { name: rawName, filters } });
    at = close + 2;
  }
  return parts;
}

/** Names used by a template. */
export function namesIn(parts: readonly TemplatePart[]): string[] {
  return parts.flatMap((p) => ('placeholder' in p ? [p.placeholder.name] : []));
}

/**
 * Checks every name against what the field may use. `allowed` holds exact names and prefixes ending
 * in `.` (e.g. `capture.`); throws a `TemplateError` naming the first unknown one and what is allowed.
 */
export function checkNames(parts: readonly TemplatePart[], allowed: readonly string[]): void {
  for (const name of namesIn(parts)) {
    const known = allowed.some((a) => (a.endsWith('.') ? name.startsWith(a) && name.length > a.length : name === a));
    if (!known)
      throw new TemplateError(`unknown value "{{${name}}}" (allowed: ${allowed.map((a) => (a.endsWith('.') ? `${a}NAME` : a)).join(', ') || 'none here'})`);
  }
}

const XML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

function applyFilter(value: string, filter: TemplateFilter): string {
  switch (filter) {
    case 'json':
      return JSON.stringify(value);
    case 'url':
      return encodeURIComponent(value);
    case 'xml':
      return value.replace(/[&<>"']/g, (c) => XML_ESCAPES[c] ?? c);
  }
}

function valueOf(placeholder: Placeholder, values: TemplateValues): TemplateValue {
  const value = values[placeholder.name];
  // Names were checked at load time; a value missing now is a capture an earlier call did not make.
  if (value === undefined) throw new TemplateError(`no value for {{${placeholder.name}}} at this point`);
  return value;
}

/** Renders a template to text. */
export function renderText(parts: readonly TemplatePart[], values: TemplateValues): string {
  let out = '';
  for (const part of parts) {
    if ('text' in part) {
      out += part.text;
      continue;
    }
    out += part.placeholder.filters.reduce(applyFilter, String(valueOf(part.placeholder, values)));
  }
  return out;
}

/**
 * Renders a template that stands for a JSON value: a string that is exactly one placeholder without
 * filters keeps the value's type (`"{{service.index}}"` → a number); anything else renders to text.
 */
export function renderValue(parts: readonly TemplatePart[], values: TemplateValues): TemplateValue {
  const only = parts.length === 1 ? parts[0] : undefined;
  if (only !== undefined && 'placeholder' in only && only.placeholder.filters.length === 0) return valueOf(only.placeholder, values);
  return renderText(parts, values);
}
