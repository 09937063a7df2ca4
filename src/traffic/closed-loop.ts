/**
 * Closed-loop sending (`burst`, the run driver's concurrency step): C clients, each sending its next
 * request as soon as its previous one finished. Throughput is whatever the target allows, so a
 * stall shows as fewer completions over the same time, never as a rate the target did not sustain.
 */
import { performance } from 'node:perf_hooks';
import { cpuSecondsSince, watchThread, type HeadroomMonitor } from './headroom.js';
import { outcomeOf, type PhaseOutcome, type WarmupPlan } from './phase.js';
import type { StopReason, TrafficErrorKind } from './result.js';
import type { SendDone } from './sender.js';
import { Tally } from './tally.js';

/** One client's way of sending its next request (one connection; may rotate over messages). */
export type Lane = (done: SendDone) => void;

/** What a closed-loop phase runs: its clients and its bounds. */
export interface ClosedLoopPlan {
  readonly lanes: readonly Lane[];
  /** Measured requests to send in all; null = until the duration ends. */
  readonly requests: number | null;
  /** Longest the measured phase may run. */
  readonly durationMs: number;
  readonly warmup: WarmupPlan | null;
  /** After the phase ends, how long to wait for answers still in flight before counting them unfinished. */
  readonly graceMs: number;
  readonly signal?: AbortSignal;
}

type State = 'warmup' | 'measure' | 'done';

class LoopEngine {
  state: State;
  tally = new Tally();
  private warmupTally: Tally | null = null;
  private warmupStartMs = 0;
  private warmupEndMs = Infinity;
  private issued = 0;
  private startMs = 0;
  private deadlineMs = Infinity;
  private startedAt = '';
  private stoppedBy: StopReason = 'duration';
  private idle = 0;
  private monitor: HeadroomMonitor | null = null;
  private cpuStart: NodeJS.CpuUsage = process.cpuUsage();
  private graceTimer: NodeJS.Timeout | null = null;
  private resolve: (outcome: PhaseOutcome) => void = () => undefined;
  readonly finished: Promise<PhaseOutcome>;

  constructor(private readonly plan: ClosedLoopPlan) {
    this.finished = new Promise((resolve) => (this.resolve = resolve));
    this.state = plan.warmup === null ? 'measure' : 'warmup';
  }

  begin(): void {
    const now = performance.now();
    if (this.state === 'warmup') {
      this.warmupTally = this.tally;
      this.warmupStartMs = now;
      const warmup = this.plan.warmup;
      // A warm-up by count is still bounded by time: never longer than the measured phase.
      this.warmupEndMs = now + (warmup !== null && 'durationMs' in warmup ? warmup.durationMs : this.plan.durationMs);
    } else {
      this.beginMeasuring(now);
    }
    this.plan.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  private beginMeasuring(now: number): void {
    this.state = 'measure';
    this.tally = new Tally();
    this.issued = 0;
    this.startMs = now;
    this.startedAt = new Date().toISOString();
    this.deadlineMs = now + this.plan.durationMs;
    this.cpuStart = process.cpuUsage();
    this.monitor = watchThread();
    this.graceTimer = setTimeout(() => this.finish(performance.now()), this.plan.durationMs + this.plan.graceMs);
  }

  private readonly onAbort = (): void => {
    if (this.state === 'done') return;
    this.stoppedBy = 'signal';
    if (this.state === 'warmup') this.beginMeasuring(performance.now());
    this.finish(performance.now());
  };

  /** May a client send another request now? Switches from warm-up to measuring on the way. */
  mayIssue(now: number): boolean {
    if (this.state === 'warmup') {
      const warmup = this.plan.warmup;
      const countDone = warmup !== null && 'requests' in warmup && this.issued >= warmup.requests;
      if (!countDone && now < this.warmupEndMs && !this.plan.signal?.aborted) {
        this.issued++;
        return true;
      }
      this.beginMeasuring(now);
    }
    if (this.state !== 'measure') return false;
    if (this.plan.requests !== null && this.issued >= this.plan.requests) {
      this.stoppedBy = 'requests';
      return false;
    }
    if (now >= this.deadlineMs) {
      this.stoppedBy = 'duration';
      return false;
    }
    this.issued++;
    return true;
  }

  clientIdle(now: number): void {
    if (++this.idle === this.plan.lanes.length && this.tally.inFlight === 0) this.finish(now);
  }

  finish(now: number): void {
    if (this.state === 'done') return;
    if (this.state === 'warmup') this.beginMeasuring(now);
    this.state = 'done';
    if (this.graceTimer !== null) clearTimeout(this.graceTimer);
    this.plan.signal?.removeEventListener('abort', this.onAbort);
    const thread = this.monitor?.stop() ?? { eventLoopUtilization: 0, eventLoopDelayP99Ms: 0 };
    const endMs = this.tally.inFlight === 0 && this.tally.lastDoneMs >= 0 ? this.tally.lastDoneMs : now;
    const warmupTally = this.warmupTally;
    this.resolve(
      outcomeOf(this.tally, {
        startedAt: this.startedAt,
        startMs: this.startMs,
        endMs,
        sendIntervalMs: 0,
        stoppedBy: this.stoppedBy,
        warmup: { requests: warmupTally?.sent ?? 0, durationMs: warmupTally === null ? 0 : Math.round(this.startMs - this.warmupStartMs) },
        thread,
        processCpuSeconds: cpuSecondsSince(this.cpuStart),
      }),
    );
  }
}

/** One closed-loop client: sends, waits for the answer, records it, sends again. */
class LoopClient {
  private startMs = 0;
  private tally: Tally;
  private firing = false;
  private completedWhileFiring = false;

  constructor(
    private readonly engine: LoopEngine,
    private readonly lane: Lane,
  ) {
    this.tally = engine.tally;
  }

  /**
   * Sends the next request if the phase allows. `now` is performance.now() as read by the caller:
   * after an answer, the time it was recorded, so the next latency also holds that bookkeeping
   * (well under a microsecond) — one clock reading a request fewer.
   */
  next(now: number): void {
    if (!this.engine.mayIssue(now)) {
      this.engine.clientIdle(now);
      return;
    }
    // A request started in warm-up finishes in warm-up's tally.
    this.tally = this.engine.tally;
    this.startMs = now;
    this.tally.onSend(now);
    this.firing = true;
    this.completedWhileFiring = false;
    this.lane(this.onDone);
    this.firing = false;
    // An answer delivered synchronously (e.g. a closed client) must not recurse into next().
    if (this.completedWhileFiring) setImmediate(() => this.next(performance.now()));
  }

  private readonly onDone = (kind: TrafficErrorKind | null): void => {
    if (this.engine.state === 'done') return;
    const now = performance.now();
    this.tally.onDone(this.startMs, now, kind);
    if (this.firing) this.completedWhileFiring = true;
    else this.next(now);
  };
}

/**
 * Runs C closed-loop clients (one per lane) through warm-up and one measured phase, bounded by
 * `requests` and `durationMs` (plus `graceMs` for the last answers).
 */
export function runClosedLoop(plan: ClosedLoopPlan): Promise<PhaseOutcome> {
  const engine = new LoopEngine(plan);
  engine.begin();
  if (plan.lanes.length === 0) engine.finish(performance.now());
  for (const lane of plan.lanes) new LoopClient(engine, lane).next(performance.now());
  return engine.finished;
}
