/**
 * The append-only run log: `run.jsonl`, one record per line, flushed per record so that nothing
 * measured is lost when the gateway, or the harness itself, dies.
 */
import { openSync, writeSync, fsyncSync, closeSync, readFileSync } from 'node:fs';
import { inputError, messageOf } from '../errors.js';
import type { Round } from '../run-log/round.js';
import type { RunRecord } from '../run-log/records.js';
import { parseRunRecord } from '../run-log/schema.js';

export const RUN_LOG_FILE = 'run.jsonl';

/** Appends records to a run log; each `append` is one write(2) of one line. */
export class RunLogWriter {
  private fd: number | null;
  /** Records written since opening, by type (the crash test checks sample counts against it). */
  readonly counts = new Map<string, number>();

  constructor(readonly path: string) {
    this.fd = openSync(path, 'a');
  }

  append(record: RunRecord): void {
    if (this.fd === null) throw new Error(`run log ${this.path} is closed`);
    writeSync(this.fd, JSON.stringify(record) + '\n');
    this.counts.set(record.type, (this.counts.get(record.type) ?? 0) + 1);
  }

  /** Forces what was written to disk (called at round boundaries, not per sample). */
  sync(): void {
    if (this.fd !== null) fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd === null) return;
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = null;
  }
}

/**
 * Reads a run log, each record checked against its schema (`run-log/schema.ts`). A torn last line
 * (the harness was killed mid-write) is dropped; any other bad line is an input error naming the
 * line and the field.
 */
export function readRunLog(path: string): RunRecord[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw inputError(`${path}: cannot read the run log (${messageOf(error)})`, 'pass a run folder written by `gwscale run`');
  }
  const lines = text.split('\n');
  const records: RunRecord[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let problem: string;
    try {
      const parsed = parseRunRecord(JSON.parse(line));
      if ('record' in parsed) {
        records.push(parsed.record);
        return;
      }
      problem = parsed.problem;
    } catch (error) {
      problem = messageOf(error);
    }
    const isLast = lines.slice(i + 1).every((l) => l.trim() === '');
    if (!isLast)
      throw inputError(`${path}:${i + 1}: bad run-log line (${problem})`, 'a run log is written by `gwscale run`; re-run, or remove the damaged line');
  });
  if (records[0]?.type !== 'run-start') throw inputError(`${path}: not a gwscale run log (first record is not run-start)`);
  return records;
}

/** The measurement rows of a run log, in time order. */
export function roundsOf(records: readonly RunRecord[]): Round[] {
  return records.flatMap((r) => (r.type === 'round' ? [r.round] : []));
}
