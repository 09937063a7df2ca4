/**
 * The generator watches itself: process CPU, event-loop utilisation and event-loop delay over the
 * measured window. A load generator that is itself at its limit measures itself, not the gateway.
 */
import { monitorEventLoopDelay, performance, type EventLoopUtilization } from 'node:perf_hooks';
import type { HeadroomReport } from './result.js';

/** Limits beyond which the client counts as saturated. */
export const SATURATION_LIMITS = Object.freeze({
  /** CPU of the generator per sending thread, as a fraction of one core. */
  cpuPerThread: 0.85,
  /** Event-loop utilisation of any sending thread. */
  eventLoopUtilization: 0.9,
  /** p99 event-loop delay of any sending thread, ms. */
  eventLoopDelayP99Ms: 50,
});

/** What one thread saw while it sent. */
export interface ThreadHeadroom {
  readonly eventLoopUtilization: number;
  readonly eventLoopDelayP99Ms: number;
}

/** Watches one thread's event loop while it sends. */
export interface HeadroomMonitor {
  /** Stops watching this thread and returns what it saw. */
  stop(): ThreadHeadroom;
}

/** Starts watching the calling thread's event loop. */
export function watchThread(): HeadroomMonitor {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const eluStart: EventLoopUtilization = performance.eventLoopUtilization();
  return {
    stop(): ThreadHeadroom {
      delay.disable();
      const elu = performance.eventLoopUtilization(eluStart);
      const p99Ns = delay.count > 0 ? delay.percentile(99) : 0;
      // The monitor's own timer resolution is included in its readings: subtract it.
      const p99Ms = Math.max(0, p99Ns / 1e6 - 10);
      return { eventLoopUtilization: round(elu.utilization, 3), eventLoopDelayP99Ms: round(p99Ms, 1) };
    },
  };
}

/** Process CPU (all threads) since `start`, in seconds. */
export function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

const round = (value: number, digits: number): number => Number(value.toFixed(digits));

/**
 * Judges saturation from the process CPU over the window and each sending thread's readings.
 * @param threads readings of every sending thread (one without workers).
 */
export function judgeHeadroom(cpuSeconds: number, wallMs: number, threads: readonly ThreadHeadroom[]): HeadroomReport {
  const threadCount = Math.max(1, threads.length);
  const cpuPerThread = wallMs > 0 ? cpuSeconds / (wallMs / 1000) / threadCount : 0;
  const elu = Math.max(0, ...threads.map((t) => t.eventLoopUtilization));
  const delayP99 = Math.max(0, ...threads.map((t) => t.eventLoopDelayP99Ms));
  const reasons: string[] = [];
  if (cpuPerThread > SATURATION_LIMITS.cpuPerThread)
    reasons.push(`client CPU ${Math.round(cpuPerThread * 100)}% of a core per sending thread (limit ${SATURATION_LIMITS.cpuPerThread * 100}%)`);
  if (elu > SATURATION_LIMITS.eventLoopUtilization)
    reasons.push(`event loop ${Math.round(elu * 100)}% busy (limit ${SATURATION_LIMITS.eventLoopUtilization * 100}%)`);
  if (delayP99 > SATURATION_LIMITS.eventLoopDelayP99Ms) reasons.push(`event-loop delay p99 ${delayP99} ms (limit ${SATURATION_LIMITS.eventLoopDelayP99Ms} ms)`);
  return {
    cpuSeconds: round(cpuSeconds, 3),
    cpuPercentPerThread: round(cpuPerThread * 100, 1),
    eventLoopUtilization: elu,
    eventLoopDelayP99Ms: delayP99,
    saturated: reasons.length > 0,
    reason: reasons.length > 0 ? reasons.join('; ') : null,
  };
}

/** The warning a saturated result carries. */
export const SATURATED_WARNING = 'the client was saturated: results measure the client, not the gateway';
