/**
 * Escaping for text that comes from data (service names, stderr tails, error messages) before it
 * goes into HTML, SVG or XML: nothing a gateway prints may become markup.
 */

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for an HTML/SVG/XML element body or a quoted attribute value. */
export function escapeHtml(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (c) => entities[c] ?? c);
}

/**
 * Escapes text for XML 1.0 (JUnit): also drops the control characters XML 1.0 cannot carry at all
 * (a crashed gateway's stderr may hold them), keeping tab, newline and carriage return.
 */
export function escapeXml(text: unknown): string {
  // eslint-disable-next-line no-control-regex
  return escapeHtml(String(text).replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, ''));
}
