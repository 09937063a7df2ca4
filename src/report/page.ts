/**
 * The HTML page shell shared by report.html and compare.html: one self-contained file with its
 * stylesheet inline, no script, and a Content-Security-Policy that forbids every request, so the
 * page works from file:// and nothing in the data can make it reach the network.
 */
import { escapeHtml } from './escape.js';
import { PAGE_CSS } from './page-style.js';

export interface PageParts {
  readonly title: string;
  /** Inner HTML of `<main>` (already escaped where it holds data). */
  readonly body: string;
}

/** Wraps a body into a complete, self-contained HTML document. */
export function renderPage(parts: PageParts): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light dark">',
    `<title>${escapeHtml(parts.title)}</title>`,
    '<link rel="icon" href="data:,">',
    `<style>${PAGE_CSS}</style>`,
    '</head>',
    '<body>',
    `<main>${parts.body}</main>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** A two-column key/value table; values are escaped. */
export function keyValueTable(rows: readonly (readonly [string, string])[], className = 'kv'): string {
  const body = rows.map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('');
  return `<table class="${className}"><tbody>${body}</tbody></table>`;
}
