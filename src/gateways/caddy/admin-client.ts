/**
 * Caddy's admin API, the calls the harness needs, over the shared admin client: `POST /load`
 * (replace the whole config; a deploy, so never retried after a timeout or reset, and sent on a
 * connection of its own: Caddy closes every admin connection on each load) and
 * `GET /config/<path>` (read it back; retried).
 */
import { gatewayError } from '../../errors.js';
import { AdminCallError, AdminClient, NO_RETRY, type AdminResponse } from '../admin-client.js';

/** Outcome of `POST /load` as data: Caddy answers 200, or 4xx/5xx with `{"error": "…"}`. */
export type LoadOutcome = { readonly ok: true } | { readonly ok: false; readonly status: number | null; readonly reason: string };

/** How long a readiness probe waits for an answer. */
const READY_TIMEOUT_MS = 2_000;

export class CaddyAdminClient {
  readonly #http: AdminClient;

  /** @param log diagnostic lines (retries). */
  constructor(adminUrl: string, timeoutMs: number, log?: (line: string) => void) {
    this.#http = new AdminClient({ baseUrl: adminUrl, name: "Caddy's admin API", timeoutMs, connections: 4, ...(log ? { onRetry: log } : {}) });
  }

  /**
   * Loads a whole configuration. `Cache-Control: must-revalidate` makes Caddy reload even when the
   * config is identical to the running one (a redeploy must really redeploy). Never call it with an
   * empty body: that replaces the config with nothing.
   */
  async load(configJson: string): Promise<LoadOutcome> {
    if (configJson.trim().length === 0) return { ok: false, status: null, reason: 'refused to load an empty configuration' };
    let answer: AdminResponse;
    try {
      answer = await this.#http.send({
        method: 'POST',
        path: '/load',
        headers: { 'content-type': 'application/json', 'cache-control': 'must-revalidate' },
        body: configJson,
        idempotent: false,
        fresh: true,
      });
    } catch (error) {
      if (error instanceof AdminCallError) return { ok: false, status: null, reason: error.message };
      throw error;
    }
    if (answer.status >= 200 && answer.status < 300) return { ok: true };
    let reason = answer.text.trim();
    try {
      const parsed = JSON.parse(answer.text) as { error?: unknown };
      if (typeof parsed.error === 'string') reason = parsed.error;
    } catch {
      // not JSON: keep the text
    }
    return { ok: false, status: answer.status, reason: `HTTP ${answer.status}: ${reason.replace(/\s+/g, ' ').slice(0, 500)}` };
  }

  /** `GET /config/<path>` parsed as JSON (`null` when the path holds nothing). */
  async config(path: string): Promise<unknown> {
    const answer = await this.#http.send({ method: 'GET', path: `/config/${path}`, idempotent: true });
    const url = `${this.#http.baseUrl}/config/${path}`;
    if (answer.status < 200 || answer.status >= 300)
      throw gatewayError(`Caddy's admin API at ${url} answered HTTP ${answer.status}: ${answer.text.trim().slice(0, 200)}`);
    try {
      return JSON.parse(answer.text) as unknown;
    } catch {
      throw gatewayError(`Caddy's admin API at ${url} answered something that is not JSON`);
    }
  }

  /** True when the admin API answers at all (readiness; one attempt, the caller polls). */
  async ready(): Promise<boolean> {
    const answer = await this.#http.send({ method: 'GET', path: '/config/', idempotent: true, retry: NO_RETRY, timeoutMs: READY_TIMEOUT_MS });
    return answer.status >= 200 && answer.status < 300;
  }

  /** Closes the pooled connections (call it when Caddy stops: a restarted Caddy keeps the port). */
  close(): Promise<void> {
    return this.#http.close();
  }
}
