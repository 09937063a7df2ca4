/**
 * Watching the gateway while the driver works: every call races the gateway's exit and
 * SIGINT/SIGTERM, so a dead gateway becomes a `GatewayCrash` and a signal an `Interrupted` at once,
 * never a hang; and `--restart-on-crash`'s budget of restarts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { GatewayAdapter, GatewayExit } from '../gateways/adapter.js';

/** The gateway process exited while the driver was not restarting it. */
export class GatewayCrash extends Error {
  constructor(
    readonly phase: string,
    readonly exit: GatewayExit,
  ) {
    super(`gateway exited during ${phase} (${exit.signal ? `signal ${exit.signal}` : `exit code ${String(exit.exitCode)}`})`);
  }
}

/** SIGINT/SIGTERM arrived while the driver worked. */
export class Interrupted extends Error {
  constructor(readonly phase: string) {
    super(`interrupted during ${phase}`);
  }
}

/** The line of a dead gateway's output that says why (out of memory first), else its last non-empty line. */
export function telltaleLine(tail: readonly string[]): string | null {
  const why = tail.find((l) => /out of memory|OutOfMemoryError|FATAL|panic:|Killed/i.test(l));
  return (why ?? [...tail].reverse().find((l) => l.trim() !== '') ?? null)?.trim() ?? null;
}

/** How long a failed call waits for the gateway's exit to show before it counts as a plain failure. */
const EXIT_GRACE_MS = 2000;

/** Races gateway work against the gateway's exit and the run's signal; keeps the phase for messages. */
export class GatewayWatch {
  /** What the driver was doing last (`register`, `deploy`, `measure` …): crash and interrupt records name it. */
  phase = 'start';
  private restartsLeft: number;

  constructor(
    private readonly adapter: GatewayAdapter,
    private readonly signal: AbortSignal | undefined,
    /** Crash restarts allowed in all (`--restart-on-crash`); 0 stops at the first crash. */
    crashRestarts: number,
  ) {
    this.restartsLeft = crashRestarts;
  }

  get aborted(): boolean {
    return this.signal?.aborted === true;
  }

  /**
   * Runs `work` as phase `what`. Throws `GatewayCrash` when the gateway exits first (or a failed call
   * turns out to have been the gateway dying), `Interrupted` on the signal; else `work`'s outcome.
   */
  async guarded<T>(what: string, work: () => Promise<T>): Promise<T> {
    this.phase = what;
    const signal = this.signal;
    if (signal?.aborted) throw new Interrupted(what);
    const exit = this.adapter.exited().then((e) => ({ exit: e }));
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<{ aborted: true }>((resolve) => {
      onAbort = () => resolve({ aborted: true });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const outcome = await Promise.race([work().then((value) => ({ value })), exit, aborted]);
      if ('exit' in outcome) throw new GatewayCrash(what, outcome.exit);
      if ('aborted' in outcome) throw new Interrupted(what);
      return outcome.value;
    } catch (error) {
      if (error instanceof GatewayCrash || error instanceof Interrupted) throw error;
      const died = await Promise.race([exit, sleep(EXIT_GRACE_MS).then(() => null)]);
      if (died) throw new GatewayCrash(what, died.exit);
      throw error;
    } finally {
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Runs a step; when it ends in a crash and restarts are left, spends one, lets `recover` bring a
   * fresh gateway to where the step can run again, and runs it again.
   */
  async withCrashRestart<T>(step: () => Promise<T>, recover: (crash: GatewayCrash) => Promise<void>): Promise<T> {
    for (;;) {
      try {
        return await step();
      } catch (error) {
        if (!(error instanceof GatewayCrash) || this.restartsLeft <= 0) throw error;
        this.restartsLeft--;
        await recover(error);
      }
    }
  }
}
