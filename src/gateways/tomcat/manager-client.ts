/**
 * Tomcat's manager text API (`/manager/text/*`, role manager-script). It answers HTTP 200 even when
 * a command fails: the first line of the body says `OK - …` or `FAIL - …`, and that is what counts.
 */
import { gatewayError } from '../../errors.js';
import { AdminClient, type RetryPolicy } from '../admin-client.js';

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
  /** Diagnostic lines (retries); never given a credential. */
  readonly log?: (line: string) => void;
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

/** Per-command overrides of the client's timeout and retry policy (readiness polls: short, one attempt). */
export interface CommandOptions {
  readonly timeoutMs?: number;
  readonly retry?: RetryPolicy;
}

/** Manager commands that only read (or, like `findleaks`, only trigger a GC): safe to send twice. */
const READ_ONLY_COMMANDS = new Set(['list', 'serverinfo', 'findleaks', 'resources', 'sessions', 'vminfo', 'threaddump', 'sslConnectorCiphers']);

/**
 * A thin layer over the shared admin client: basic auth, the `OK -`/`FAIL -` first line, and a
 * refused login that is never retried. Reads are retried; `deploy`, `reload` and the other commands
 * that change Tomcat are not retried after a timeout or reset (they may have taken effect).
 */
export class ManagerClient {
  readonly #options: ManagerClientOptions;
  readonly #http: AdminClient;

  constructor(options: ManagerClientOptions) {
    this.#options = Object.freeze({ ...options });
    this.#http = new AdminClient({
      baseUrl: options.managerUrl,
      name: 'the Tomcat manager',
      timeoutMs: options.timeoutMs,
      auth: { user: options.user, password: options.password },
      connections: 8,
      ...(options.log ? { onRetry: options.log } : {}),
    });
  }

  /** Runs `/manager/text/<command>?<params>`; rejects only when the manager cannot be reached or refuses the user. */
  async text(command: string, params: Readonly<Record<string, string>> = {}, war?: Uint8Array, options: CommandOptions = {}): Promise<ManagerAnswer> {
    const body = await this.#call(`/text/${command}`, params, war, READ_ONLY_COMMANDS.has(command) && war === undefined, options);
    return parseManagerAnswer(body);
  }

  /** Raw answer of a manager URL below `managerUrl` (e.g. `/jmxproxy/`), read only; for callers that parse it themselves. */
  async raw(path: string, params: Readonly<Record<string, string>>): Promise<string> {
    return this.#call(path, params, undefined, true, {});
  }

  /** Closes the pooled connections (call it when Tomcat stops: a restarted Tomcat keeps the port). */
  close(): Promise<void> {
    return this.#http.close();
  }

  async #call(
    path: string,
    params: Readonly<Record<string, string>>,
    war: Uint8Array | undefined,
    idempotent: boolean,
    options: CommandOptions,
  ): Promise<string> {
    const query = new URLSearchParams(params).toString();
    const base = `${this.#options.managerUrl}${path}`;
    const answer = await this.#http.send({
      method: war === undefined ? 'GET' : 'PUT',
      path: query.length > 0 ? `${path}?${query}` : path,
      idempotent,
      ...(war === undefined ? {} : { body: war, headers: { 'content-type': 'application/octet-stream' } }),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(options.retry === undefined ? {} : { retry: options.retry }),
    });
    if (answer.status === 401 || answer.status === 403) {
      // Never retried: five wrong passwords lock the user out for five minutes.
      throw gatewayError(`the Tomcat manager at ${base} refused the harness's user (HTTP ${answer.status})`, {
        hint: 'the user needs the roles manager-script and manager-jmx, and may be locked for 5 minutes after wrong passwords',
      });
    }
    if (answer.status < 200 || answer.status >= 300) throw gatewayError(`the Tomcat manager at ${base} answered HTTP ${answer.status}`);
    return answer.text;
  }
}
