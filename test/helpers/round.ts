/** A measurement row with every optional measure left out: what tests build runs and run logs from. */
import type { Round } from '../../src/run-log/round.js';

export function roundRow(index: number, event: Round['event'], services: number, memoryBytes: number, fields: Partial<Round> = {}): Round {
  return {
    index,
    event,
    services,
    memoryBytes,
    memorySource: 'v8-heap-after-gc',
    afterGc: true,
    rssBytes: null,
    peakBytes: null,
    preDeployBytes: null,
    registerMs: null,
    deployMs: null,
    elapsedMs: null,
    concurrency: null,
    ...fields,
  };
}
