/**
 * Caddy's admin API, the two calls the harness needs: `POST /load` (replace the whole config) and
 * `GET /config/<path>` (read it back). Every call has a timeout.
 */
import { gatewayError, messageOf } from '../../errors.js';

/** Outcome of `POST /load` as data: Caddy answers 200, or 4xx/5xx with `{"error": "…"}`. */
export type LoadOutcome = { readonly ok: true } | { readonly ok: false; readonly status: number | null; readonly reason: string };

export class CaddyAdminClient {
  readonly #adminUrl: string;
  readonly #timeoutMs: number;

  constructor(adminUrl: string, timeoutMs: number) {
    this.#adminUrl = adminUrl;
    this.#timeoutMs = timeoutMs;
  }

  /**
   * Loads a whole configuration. `Cache-Control: must-revalidate` makes Caddy reload even when the
   * config is identical to the running one (a redeploy must really redeploy). Never call it with an
   * empty body: that replaces the config with nothing.
   */
  async load(configJson: string): Promise<LoadOutcome> {
    if (configJson.trim().length === 0) return { ok: false, status: null, reason: 'refused to load an empty configuration' };
    let response: Response;
    try {
      response = await fetch(`${this.#adminUrl}/load`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'cache-control': 'must-revalidate' },
        body: configJson,
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      return { ok: false, status: null, reason: `POST ${this.#adminUrl}/load: ${messageOf(error)}` };
    }
    const text = await response.text().catch(() => '');
    if (response.ok) return { ok: true };
    let reason = text.trim();
    try {
      const parsed = JSON.parse(text) as { error?: unknown };
      if (typeof parsed.error === 'string') reason = parsed.error;
    } catch {
      // not JSON: keep the text
    }
    return { ok: false, status: response.status, reason: `HTTP ${response.status}: ${reason.replace(/\s+/g, ' ').slice(0, 500)}` };
  }

  /** `GET /config/<path>` parsed as JSON (`null` when the path holds nothing). */
  async config(path: string): Promise<unknown> {
    const url = `${this.#adminUrl}/config/${path}`;
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(this.#timeoutMs) });
    } catch (error) {
      throw gatewayError(`Caddy admin API at ${url} did not answer: ${messageOf(error)}`, { cause: error });
    }
    const text = await response.text();
    if (!response.ok) throw gatewayError(`Caddy admin API at ${url} answered HTTP ${response.status}: ${text.trim().slice(0, 200)}`);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw gatewayError(`Caddy admin API at ${url} answered something that is not JSON`);
    }
  }

  /** True when the admin API answers at all (readiness). */
  async ready(): Promise<boolean> {
    const response = await fetch(`${this.#adminUrl}/config/`, { signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return response.ok;
  }
}
