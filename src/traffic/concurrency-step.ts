/**
 * The run driver's concurrency phase: C closed-loop clients spread round-robin over every target
 * (all operations of all registered services) for a fixed time. What matters to the verdict is the
 * highest number of requests in flight at once, which the result reports.
 */
import { assembleResult } from './assemble.js';
import { runClosedLoop, type Lane } from './closed-loop.js';
import { checkTrafficUrl, redactUrl } from './loopback.js';
import type { TrafficResult } from './result.js';
import type { HttpClientKind, MessageSender, PreparedMessage } from './sender.js';
import { createSender } from './senders.js';

/** One request to send: a URL on the gateway's data plane, its body and headers. */
export interface ConcurrencyTarget {
  readonly url: string;
  readonly body: Buffer | string;
  readonly headers: Readonly<Record<string, string>>;
}

/** Options of the run driver's concurrency step. */
export interface ConcurrencyStepOptions {
  readonly targets: readonly ConcurrencyTarget[];
  /** Closed-loop clients, each on its own connection per origin. */
  readonly concurrency: number;
  readonly durationMs: number;
  readonly signal?: AbortSignal;
  /** Per-request timeout; default 10 s. */
  readonly timeoutMs?: number;
  /** Allow targets that are not on loopback (default false). */
  readonly allowRemote?: boolean;
  /** Client implementation; default `socket` (raw keep-alive connections, cheapest per request). */
  readonly client?: HttpClientKind;
}

/** Client `i` sends its j-th request to target `(i + j·C) mod T`, so every target is reached. */
function laneFor(
  index: number,
  concurrency: number,
  senders: ReadonlyMap<string, MessageSender>,
  messages: readonly { origin: string; message: PreparedMessage }[],
): Lane {
  let next = index % messages.length;
  const stride = concurrency % messages.length;
  const plan = messages.map((m) => ({ sender: senders.get(m.origin) as MessageSender, message: m.message }));
  return (done) => {
    const item = plan[next] as (typeof plan)[number];
    next = (next + stride) % plan.length;
    item.sender.send(done, item.message);
  };
}

/**
 * Drives `concurrency` closed-loop clients over `targets` for `durationMs` and reports the traffic
 * result, including the highest in-flight count reached (`maxInFlight`).
 * @throws GwscaleError (usage) when a target URL is not on loopback and `allowRemote` is not set.
 */
export async function driveConcurrencyStep(opts: ConcurrencyStepOptions): Promise<TrafficResult & { maxInFlight: number }> {
  if (opts.targets.length === 0) throw new Error('driveConcurrencyStep: no targets');
  if (!Number.isInteger(opts.concurrency) || opts.concurrency < 1)
    throw new Error(`driveConcurrencyStep: concurrency ${opts.concurrency} is not a positive whole number`);
  const origins = new Map<string, string>();
  for (const target of opts.targets) {
    const url = await checkTrafficUrl(target.url, opts.allowRemote === true, 'target');
    origins.set(url.origin, target.url);
  }
  const properties = { kind: 'soap' as const, timeoutMs: opts.timeoutMs ?? 10_000, connections: 1 };
  const client = opts.client ?? 'socket';
  const preparer = new Map<string, MessageSender>();
  for (const [origin, url] of origins) {
    const sender = await createSender(client, properties, url);
    await sender.init(url);
    preparer.set(origin, sender);
  }
  const messages = opts.targets.map((t) => {
    const origin = new URL(t.url).origin;
    return { origin, message: (preparer.get(origin) as MessageSender).prepare(t.url, t.body, t.headers) };
  });
  await Promise.all([...preparer.values()].map((s) => s.close()));
  const clients: Map<string, MessageSender>[] = [];
  try {
    for (let i = 0; i < opts.concurrency; i++) {
      const senders = new Map<string, MessageSender>();
      for (const [origin, url] of origins) {
        const sender = await createSender(client, properties, url);
        await sender.init(url);
        senders.set(origin, sender);
      }
      clients.push(senders);
    }
    const outcome = await runClosedLoop({
      lanes: clients.map((senders, i) => laneFor(i, opts.concurrency, senders, messages)),
      requests: null,
      durationMs: opts.durationMs,
      warmup: null,
      graceMs: Math.min(properties.timeoutMs, 5_000),
      ...(opts.signal === undefined ? {} : { signal: opts.signal }),
    });
    return assembleResult(
      {
        mode: 'concurrency',
        targets: [...new Set(opts.targets.map((t) => redactUrl(t.url)))],
        connections: opts.concurrency,
        workers: 1,
        requestedRatePerSec: null,
      },
      [outcome],
    );
  } finally {
    await Promise.all(clients.flatMap((senders) => [...senders.values()].map((s) => s.close())));
  }
}
