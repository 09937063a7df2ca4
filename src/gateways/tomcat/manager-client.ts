/**
 * Tomcat's manager text API (`/manager/text/*`, role manager-script). It answers HTTP 200 even when
 * a command fails: the first line of the body says `OK - …` or `FAIL - …`, and that is what counts.
 */
import { gatewayError, messageOf } from '../../errors.js';

/** The outcome of one manager command, as data. */
export interface ManagerAnswer {
  readonly ok: boolean;
  /** First line without the `OK - ` / `FAIL - ` prefix. */
  readonly message: string;
  /** Lines after the first. */
  readonly lines: readonly string[];
}

/** One context from `list`: `/svc:running:0:svc`. */
export interface ManagerContext {
  readonly path: string;
  readonly state: string;
  readonly sessions: number;
  readonly docBase: string;
}

export interface ManagerClientOptions {
  /** e.g. `http://127.0.0.1:8080/manager` */
  readonly managerUrl: string;
  readonly user: string;
  readonly password: string;
  readonly timeoutMs: number;
}

/** Splits a manager answer; an answer that is neither OK nor FAIL is a failure with its first line. */
export function parseManagerAnswer(body: string): ManagerAnswer {
  // Tomcat escapes '/' in context names as &#47; in its messages.
  const all = body.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code))).split(/\r?\n/);
  const first = (all[0] ?? '').trim();
  const lines = all.slice(1).filter((l) => l.length > 0);
  if (first.startsWith('OK - ')) return { ok: true, message: first.slice(5), lines };
  if (first.startsWith('FAIL - ')) return { ok: false, message: first.slice(7), lines };
  return { ok: false, message: first.length > 0 ? first.slice(0, 300) : 'empty answer', lines };
}

/** Parses the lines of `list` (after the status line). */
export function parseContextList(lines: readonly string[]): ManagerContext[] {
  const contexts: ManagerContext[] = [];
  for (const line of lines) {
    // docBase may itself contain ':' (absolute paths do not, but be safe): split the first three only.
    const m = /^([^:]*):([^:]*):(\d+):(.*)$/.exec(line.trim());
    if (m === null) continue;
    contexts.push({ path: m[1] ?? '', state: m[2] ?? '', sessions: Number(m[3]), docBase: m[4] ?? '' });
  }
  return contexts;
}

/** A small client; every call has a timeout and the password travels only in the Authorization header. */
export class ManagerClient {
  readonly #options: ManagerClientOptions;
  readonly #authorization: string;

  constructor(options: ManagerClientOptions) {
    this.#options = Object.freeze({ ...options });
    this.#authorization = `Basic ${Buffer.from(`${options.user}:${options.password}`).toString('base64')}`;
  }

  /** Runs `/manager/text/<command>?<params>`; rejects only when the manager cannot be reached or refuses the user. */
  async text(command: string, params: Readonly<Record<string, string>> = {}, war?: Uint8Array): Promise<ManagerAnswer> {
    const body = await this.#call(`${this.#options.managerUrl}/text/${command}`, params, war);
    return parseManagerAnswer(body);
  }

  /** Raw answer of a manager URL below `managerUrl` (e.g. `/jmxproxy/`); for callers that parse it themselves. */
  async raw(path: string, params: Readonly<Record<string, string>>): Promise<string> {
    return this.#call(`${this.#options.managerUrl}${path}`, params, undefined);
  }

  async #call(base: string, params: Readonly<Record<string, string>>, war: Uint8Array | undefined): Promise<string> {
    const query = new URLSearchParams(params).toString();
    const url = query.length > 0 ? `${base}?${query}` : base;
    let response: Response;
    try {
      response = await fetch(url, {
        method: war === undefined ? 'GET' : 'PUT',
        headers: {
          authorization: this.#authorization,
          ...(war === undefined ? {} : { 'content-type': 'application/octet-stream' }),
        },
        ...(war === undefined ? {} : { body: war }),
        signal: AbortSignal.timeout(this.#options.timeoutMs),
      });
    } catch (error) {
      throw gatewayError(`Tomcat manager at ${base} did not answer: ${messageOf(error)}`, { cause: error });
    }
    const text = await response.text();
    if (response.status === 401 || response.status === 403) {
      // Never retried: five wrong passwords lock the user out for five minutes.
      throw gatewayError(`Tomcat manager at ${base} refused the harness's user (HTTP ${response.status})`, {
        hint: 'the user needs the roles manager-script and manager-jmx, and may be locked for 5 minutes after wrong passwords',
      });
    }
    if (!response.ok) throw gatewayError(`Tomcat manager at ${base} answered HTTP ${response.status}`);
    return text;
  }
}
