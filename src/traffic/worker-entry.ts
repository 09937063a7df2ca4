/**
 * Entry of a sending worker thread: runs the job it was given and posts its outcome (and soak
 * interval readings, histograms encoded) back to the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runJob, type TrafficJob } from './job.js';
import { encodeHistogram } from './latency-histogram.js';
import type { WorkerMessage } from './worker-pool.js';

const port = parentPort;
if (port === null) throw new Error('worker-entry runs only as a worker thread');
const job = (workerData as { job: TrafficJob }).job;
// Structured clone turns a Buffer into a plain Uint8Array: give undici a Buffer view again.
const body = job.sender.body === null ? null : Buffer.from(job.sender.body.buffer, job.sender.body.byteOffset, job.sender.body.byteLength);
const controller = new AbortController();
const onMessage = (message: unknown): void => {
  if (message === 'abort') controller.abort();
};
port.on('message', onMessage);
const post = (message: WorkerMessage): void => port.postMessage(message);
try {
  const outcome = await runJob(
    { ...job, sender: { ...job.sender, body } },
    {
      signal: controller.signal,
      onInterval: (reading) => post({ type: 'interval', reading: { ...reading, histogram: encodeHistogram(reading.histogram) } }),
    },
  );
  post({ type: 'done', outcome });
} catch (error) {
  post({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
}
// Lets the thread end on its own once the result is posted.
port.off('message', onMessage);
