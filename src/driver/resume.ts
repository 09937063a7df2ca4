/**
 * Where an interrupted run stands, from its run log alone: what was deployed and measured last,
 * so `gwscale run --resume` continues from the last completed round.
 */
import { openSync, readSync, fstatSync, ftruncateSync, closeSync } from 'node:fs';
import type { RunRecord } from '../run-log/records.js';

export interface ResumePoint {
  /** Services deployed and measured in the last completed round (or restart/redeploy). */
  readonly services: number;
  /** Registration rounds completed (the baseline row at 0 services is not a round). */
  readonly roundsDone: number;
  readonly redeploysDone: number;
  /** Rows already in the log: new rows continue the numbering. */
  readonly rows: number;
  /** Operations and attached policies the gateway reported for the services up to `services`. */
  readonly operations: number;
  readonly attachedPolicies: number;
  /** The run already ended (completed, crashed or failed): there is nothing to resume. */
  readonly finished: boolean;
  /** `--redeploys auto` already decided leak or healthy: no more redeploys. */
  readonly sequentialDecided: boolean;
}

/** Computes the resume point of a run log. */
export function resumePointOf(records: readonly RunRecord[]): ResumePoint {
  let services = 0;
  let roundsDone = 0;
  let redeploysDone = 0;
  let rows = 0;
  let finished = false;
  let sequentialDecided = false;
  for (const r of records) {
    if (r.type === 'sequential') sequentialDecided = r.state !== 'continue';
    if (r.type === 'round') {
      rows++;
      const row = r.round;
      if (row.event === 'round' || row.event === 'restart' || row.event === 'redeploy') services = row.services;
      if (row.event === 'round' && row.services > 0 && row.registerMs !== null) roundsDone++;
      if (row.event === 'redeploy') redeploysDone++;
    }
    if (r.type === 'run-end') finished = r.state !== 'interrupted';
  }
  let operations = 0;
  let attachedPolicies = 0;
  for (const r of records) {
    if (r.type === 'register' && r.to <= services) {
      operations += r.operations;
      attachedPolicies += r.attachedPolicies;
    }
  }
  return { services, roundsDone, redeploysDone, rows, operations, attachedPolicies, finished, sequentialDecided };
}

/**
 * Cuts a torn last line (the harness was killed mid-write) so that appended records start on a
 * line of their own. Returns the bytes removed.
 */
export function repairRunLogTail(path: string): number {
  const fd = openSync(path, 'r+');
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return 0;
    const chunk = Buffer.alloc(Math.min(size, 1 << 20));
    readSync(fd, chunk, 0, chunk.length, size - chunk.length);
    const lastNewline = chunk.lastIndexOf(0x0a);
    if (lastNewline === chunk.length - 1) return 0;
    const keep = lastNewline < 0 ? size - chunk.length : size - chunk.length + lastNewline + 1;
    ftruncateSync(fd, keep);
    return size - keep;
  } finally {
    closeSync(fd);
  }
}
