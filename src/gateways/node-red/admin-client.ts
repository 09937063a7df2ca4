/**
 * Node-RED's admin HTTP API as gwscale uses it: a Bearer token from `POST /auth/token` (the
 * `node-red-admin` client, password grant), `GET /flows` and a full `POST /flows` (API v2), and the
 * editor's comms WebSocket, where the runtime announces `notification/runtime-deploy` once the
 * deployed flows have started (`POST /flows` answers before that).
 */
import { WebSocket } from 'undici';
import { gatewayError, messageOf } from '../../errors.js';
import { AdminClient, NO_RETRY } from '../admin-client.js';

/** `GET /flows` with API v2. */
export interface FlowsAnswer {
  readonly rev: string;
  readonly flows: readonly unknown[];
}

const DEPLOY_TOPIC = 'notification/runtime-deploy';

/** The comms socket: which flow revisions the runtime has announced as started, and waiters for more. */
class DeployWatch {
  readonly #socket: WebSocket;
  /** Announcements seen so far, in order (revision each). */
  readonly #seen: string[] = [];
  readonly #waiters = new Set<() => void>();
  #closed = false;

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.addEventListener('message', (event: { data: unknown }) => {
      if (typeof event.data !== 'string') return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(event.data);
      } catch {
        return;
      }
      // The runtime batches messages: an array of {topic, data}.
      for (const item of Array.isArray(parsed) ? parsed : [parsed]) {
        const m = item as { topic?: unknown; data?: { revision?: unknown } };
        if (m.topic === DEPLOY_TOPIC && typeof m.data?.revision === 'string') this.#seen.push(m.data.revision);
      }
      for (const wake of this.#waiters) wake();
    });
    socket.addEventListener('close', () => {
      this.#closed = true;
      for (const wake of this.#waiters) wake();
    });
  }

  /** Opens `/comms`, authenticates with the token and subscribes to deploy notifications. */
  static open(url: string, token: string, timeoutMs: number): Promise<DeployWatch> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      const timer = setTimeout(() => {
        socket.close();
        reject(new Error(`no answer on ${url} within ${timeoutMs} ms`));
      }, timeoutMs);
      const onAuth = (event: { data: unknown }): void => {
        if (typeof event.data !== 'string' || !event.data.includes('"auth"')) return;
        socket.removeEventListener('message', onAuth);
        clearTimeout(timer);
        if (!event.data.includes('"ok"')) {
          socket.close();
          reject(new Error(`${url} refused the token`));
          return;
        }
        const watch = new DeployWatch(socket);
        socket.send(JSON.stringify({ subscribe: DEPLOY_TOPIC }));
        resolve(watch);
      };
      socket.addEventListener('message', onAuth);
      socket.addEventListener('open', () => socket.send(JSON.stringify({ auth: token })));
      socket.addEventListener('error', () => {
        clearTimeout(timer);
        reject(new Error(`could not open ${url}`));
      });
    });
  }

  /** How many announcements have come so far. */
  get count(): number {
    return this.#seen.length;
  }

  /** Resolves once an announcement after the first `after` ones names `revision`; false on timeout or a closed socket. */
  async waitFor(revision: string, after: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.#seen.slice(after).includes(revision)) return true;
      if (this.#closed || Date.now() >= deadline) return false;
      // Woken by the next message or the socket's close, or by the deadline.
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(timer);
          this.#waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, Math.max(1, deadline - Date.now()));
        this.#waiters.add(wake);
      });
    }
  }

  close(): void {
    this.#closed = true;
    this.#socket.close();
  }
}

/** A logged-in client of one Node-RED's admin API. Close it when Node-RED stops. */
export class NodeRedAdminClient {
  readonly #http: AdminClient;
  readonly #baseUrl: string;
  readonly #timeoutMs: number;
  #headers: Readonly<Record<string, string>> | null = null;
  #watch: DeployWatch | null = null;

  constructor(baseUrl: string, timeoutMs: number, log: (line: string) => void) {
    this.#baseUrl = baseUrl;
    this.#timeoutMs = timeoutMs;
    this.#http = new AdminClient({ baseUrl, name: "Node-RED's admin API", timeoutMs, onRetry: log });
  }

  /** True once `GET /auth/login` answers (the admin API is up). */
  async ready(): Promise<boolean> {
    const answer = await this.#http.send({ method: 'GET', path: '/auth/login', idempotent: true, retry: NO_RETRY, timeoutMs: 2_000 });
    return answer.status === 200;
  }

  /**
   * Exchanges the admin credentials for a token (`POST /auth/token`) and opens the comms socket.
   * The password travels only in that request's body; messages never carry it.
   */
  async login(user: string, password: string): Promise<void> {
    const body = new URLSearchParams({ client_id: 'node-red-admin', grant_type: 'password', scope: '*', username: user, password }).toString();
    const answer = await this.#http.send({
      method: 'POST',
      path: '/auth/token',
      body,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      idempotent: true,
    });
    if (answer.status !== 200)
      throw gatewayError(`Node-RED refused the admin login at ${this.#baseUrl}/auth/token (HTTP ${answer.status})`, {
        hint: "the settings.js in the run folder holds the user; the password is the run's",
      });
    const token = (JSON.parse(answer.text) as { access_token?: unknown }).access_token;
    if (typeof token !== 'string') throw gatewayError(`Node-RED answered ${this.#baseUrl}/auth/token without an access_token`);
    this.#headers = Object.freeze({ authorization: `Bearer ${token}`, 'node-red-api-version': 'v2' });
    const commsUrl = `${this.#baseUrl.replace(/^http/, 'ws')}/comms`;
    try {
      this.#watch = await DeployWatch.open(commsUrl, token, this.#timeoutMs);
    } catch (error) {
      throw gatewayError(`Node-RED's comms socket: ${messageOf(error)}`, { cause: error });
    }
  }

  #auth(): Readonly<Record<string, string>> {
    if (this.#headers === null) throw gatewayError('Node-RED admin API: not logged in');
    return this.#headers;
  }

  /** `GET /flows` (v2): the deployed flow configuration and its revision. */
  async flows(): Promise<FlowsAnswer> {
    const answer = await this.#http.send({ method: 'GET', path: '/flows', headers: this.#auth(), idempotent: true });
    if (answer.status !== 200) throw gatewayError(`Node-RED: GET ${this.#baseUrl}/flows answered HTTP ${answer.status}: ${answer.text.slice(0, 200)}`);
    const parsed = JSON.parse(answer.text) as { rev?: unknown; flows?: unknown };
    return { rev: typeof parsed.rev === 'string' ? parsed.rev : '', flows: Array.isArray(parsed.flows) ? parsed.flows : [] };
  }

  /**
   * A full deploy: `POST /flows` (`Node-RED-Deployment-Type: full`) of the whole configuration, then
   * the wait for the runtime's announcement that this revision has started.
   * @returns the revision, or the reason it failed.
   */
  async deployFull(flows: readonly unknown[], timeoutMs: number): Promise<{ ok: true; rev: string } | { ok: false; reason: string }> {
    const watch = this.#watch;
    if (watch === null) return { ok: false, reason: 'Node-RED admin API: not logged in' };
    const before = watch.count;
    // The current revision, so Node-RED does not refuse the deploy as based on an old one.
    const { rev } = await this.flows();
    const answer = await this.#http.send({
      method: 'POST',
      path: '/flows',
      body: JSON.stringify({ flows, rev }),
      headers: { ...this.#auth(), 'content-type': 'application/json', 'node-red-deployment-type': 'full' },
      idempotent: false,
      fresh: true,
      timeoutMs,
    });
    if (answer.status !== 200) return { ok: false, reason: `POST /flows answered HTTP ${answer.status}: ${answer.text.slice(0, 300)}` };
    const deployed = (JSON.parse(answer.text) as { rev?: unknown }).rev;
    if (typeof deployed !== 'string') return { ok: false, reason: 'POST /flows answered without a revision' };
    if (!(await watch.waitFor(deployed, before, timeoutMs)))
      return { ok: false, reason: `Node-RED did not announce that revision ${deployed} started within ${timeoutMs} ms` };
    return { ok: true, rev: deployed };
  }

  /** Closes the comms socket and the pooled connections (the token dies with Node-RED's user folder). */
  async close(): Promise<void> {
    this.#watch?.close();
    this.#watch = null;
    this.#headers = null;
    await this.#http.close();
  }
}
