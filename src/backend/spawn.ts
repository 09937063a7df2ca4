/** Runs the SOAP backend as its own process and talks to it by URL. */
import { request } from 'undici';
import { gatewayError } from '../errors.js';
import { spawnServer, type ServerProcess } from '../process/server-process.js';
import { distScript } from '../process/dist-script.js';
import { LATENCY_ROUTE, REQUESTS_ROUTE } from './routes.js';
import type { BackendOptions } from './soap-backend.js';

/** A backend running as a child process. */
export interface SpawnedBackend {
  readonly url: string;
  readonly pid: number;
  /** Changes the latency of the running process. */
  setLatencyMs(ms: number): Promise<void>;
  /** SOAP requests it answered so far (the control routes not counted). */
  requests(): Promise<number>;
  /** SIGTERM, then SIGKILL after a grace period; safe twice. */
  stop(): Promise<void>;
}

/** Starts `dist/backend/main.js` on 127.0.0.1 and waits for its listening line. */
export async function spawnBackend(
  options: Pick<BackendOptions, 'latencyMs' | 'wsdlBaseUrl' | 'port'> & { readonly startTimeoutMs?: number } = {},
): Promise<SpawnedBackend> {
  let onListening: (url: string) => void = () => undefined;
  const listening = new Promise<string>((resolve) => (onListening = resolve));
  const args = [distScript('backend/main.js'), '--latency-ms', String(options.latencyMs ?? 0), '--port', String(options.port ?? 0)];
  if (options.wsdlBaseUrl !== undefined) args.push('--wsdl-base-url', options.wsdlBaseUrl);
  const child: ServerProcess = await spawnServer({
    exitWithParent: true,
    name: 'gwscale backend',
    command: process.execPath,
    args,
    onLine: (line, stream) => {
      if (stream !== 'stdout' || !line.startsWith('{')) return;
      try {
        const event = JSON.parse(line) as { event?: string; url?: string };
        if (event.event === 'listening' && typeof event.url === 'string') onListening(event.url);
      } catch {
        // not the handshake line
      }
    },
  });
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    listening.then((url) => ({ url })),
    child.exited.then((exit) => ({ exit })),
    new Promise<{ timeout: true }>((resolve) => (timer = setTimeout(() => resolve({ timeout: true }), timeoutMs))),
  ]);
  clearTimeout(timer);
  if (!('url' in outcome)) {
    await child.stop(2_000);
    const last = child.tail().at(-1) ?? '';
    throw gatewayError(`the SOAP backend did not start${'exit' in outcome ? ' (it exited)' : ` within ${timeoutMs} ms`}${last === '' ? '' : `: ${last}`}`);
  }
  const url = outcome.url;
  return {
    url,
    pid: child.pid,
    setLatencyMs: async (ms: number) => {
      const answer = await request(`${url}${LATENCY_ROUTE}?ms=${ms}`, { method: 'POST', headersTimeout: 10_000, bodyTimeout: 10_000 });
      await answer.body.dump();
      if (answer.statusCode !== 200) throw gatewayError(`the SOAP backend at ${url} refused latency ${ms} ms (HTTP ${answer.statusCode})`);
    },
    requests: async () => {
      const answer = await request(`${url}${REQUESTS_ROUTE}`, { method: 'GET', headersTimeout: 10_000, bodyTimeout: 10_000 });
      if (answer.statusCode !== 200) {
        await answer.body.dump();
        throw gatewayError(`the SOAP backend at ${url} did not tell its request count (HTTP ${answer.statusCode})`);
      }
      return ((await answer.body.json()) as { requests: number }).requests;
    },
    stop: async () => {
      await child.stop(5_000);
    },
  };
}
