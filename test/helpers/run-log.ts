/** Reads a run folder's run.jsonl strictly: every line must be a JSON record (a torn line fails the test). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunRecord } from '../../src/run-log/records.js';

/** The records of `<dir>/run.jsonl`, in order. */
export const records = (dir: string): RunRecord[] =>
  readFileSync(join(dir, 'run.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as RunRecord);
