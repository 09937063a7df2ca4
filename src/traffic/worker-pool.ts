/**
 * Runs a job split over worker threads (`--workers N`) and merges what they report: one phase
 * outcome per thread, and soak intervals summed once every thread has reported the same interval.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { JobHooks, TrafficJob } from './job.js';
import { decodeHistogram, createLatencyHistogram } from './latency-histogram.js';
import type { IntervalReading } from './open-loop.js';
import type { PhaseOutcome } from './phase.js';

/** An interval reading as posted by a worker (histogram encoded). */
export type PostedInterval = Omit<IntervalReading, 'histogram'> & { readonly histogram: string };

/** What a sending thread posts to the main thread. */
export type WorkerMessage =
  | { readonly type: 'interval'; readonly reading: PostedInterval }
  | { readonly type: 'done'; readonly outcome: PhaseOutcome }
  | { readonly type: 'failed'; readonly message: string };

/** Starts a thread on the compiled entry next to this file; from TypeScript sources (tests, tsx) through tsx. */
function startWorker(job: TrafficJob): Worker {
  const compiled = new URL('./worker-entry.js', import.meta.url);
  if (existsSync(fileURLToPath(compiled))) return new Worker(compiled, { workerData: { job } });
  const source = new URL('./worker-entry.ts', import.meta.url).href;
  const bootstrap = `import('tsx/esm/api').then(({ tsImport }) => tsImport(${JSON.stringify(source)}, ${JSON.stringify(import.meta.url)}))`;
  return new Worker(bootstrap, { eval: true, workerData: { job } });
}

function mergeIntervals(readings: readonly PostedInterval[]): IntervalReading {
  const histogram = createLatencyHistogram();
  for (const r of readings) histogram.add(decodeHistogram(r.histogram));
  return {
    index: readings[0]?.index ?? 0,
    elapsedMs: Math.max(...readings.map((r) => r.elapsedMs)),
    intervalMs: Math.max(...readings.map((r) => r.intervalMs)),
    completed: readings.reduce((sum, r) => sum + r.completed, 0),
    errors: readings.reduce((sum, r) => sum + r.errors, 0),
    inFlight: readings.reduce((sum, r) => sum + r.inFlight, 0),
    histogram,
  };
}

/** Runs each job in its own worker thread; resolves with every thread's outcome, in job order. */
export async function runJobsInWorkers(jobs: readonly TrafficJob[], hooks: JobHooks = {}): Promise<PhaseOutcome[]> {
  const workers = jobs.map(startWorker);
  const pending = new Map<number, PostedInterval[]>();
  const onAbort = (): void => workers.forEach((w) => w.postMessage('abort'));
  hooks.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await Promise.all(
      workers.map(
        (worker) =>
          new Promise<PhaseOutcome>((resolve, reject) => {
            worker.on('message', (message: WorkerMessage) => {
              if (message.type === 'done') resolve(message.outcome);
              else if (message.type === 'failed') reject(new Error(`sending thread failed: ${message.message}`));
              else {
                const group = [...(pending.get(message.reading.index) ?? []), message.reading];
                pending.set(message.reading.index, group);
                if (group.length === workers.length) {
                  pending.delete(message.reading.index);
                  hooks.onInterval?.(mergeIntervals(group));
                }
              }
            });
            worker.on('error', reject);
            worker.on('exit', (code) => reject(new Error(`sending thread exited with code ${code} before reporting`)));
          }),
      ),
    );
  } finally {
    hooks.signal?.removeEventListener('abort', onAbort);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
