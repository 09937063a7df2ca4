import { describe, expect, it } from 'vitest';
import { parseRoundsCsv, roundsToCsv, ROUND_CSV_COLUMNS } from '../src/analysis/rounds-csv.js';
import { GwscaleError } from '../src/errors.js';
import type { Round } from '../src/run-log/round.js';

const MiB = 1024 * 1024;

function errorOf(fn: () => unknown): GwscaleError {
  try {
    fn();
  } catch (error) {
    if (error instanceof GwscaleError) return error;
    throw error;
  }
  throw new Error('expected a GwscaleError');
}

describe('reading a rounds CSV', () => {
  it('reads hand measurements in MiB with events, elapsed seconds, comments and notes', () => {
    const rows = parseRoundsCsv(
      ['# field data', 'services,event,memory_mb,elapsed_s,peak_mb,note', '100,,120,360,240,"first, fresh"', '300,restart,200,,,', '', '400,round,690.5,1020,,'].join('\n'),
      'field.csv',
    );
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatchObject({ index: 0, event: 'round', services: 100, memoryBytes: 120 * MiB, elapsedMs: 360_000, peakBytes: 240 * MiB, afterGc: true, memorySource: 'csv' });
    expect(rows[1]).toMatchObject({ index: 1, event: 'restart', services: 300, elapsedMs: null, peakBytes: null });
    expect(rows[2]?.memoryBytes).toBe(Math.round(690.5 * MiB));
  });

  it('takes memory as after-GC unless after_gc says otherwise, and needs concurrency on load rows', () => {
    const rows = parseRoundsCsv('services,memory_bytes,after_gc,event,concurrency\n10,1000,false,load,4\n10,1000,,load,8\n', 'x.csv');
    expect(rows.map((r) => r.afterGc)).toEqual([false, true]);
    expect(rows.map((r) => r.concurrency)).toEqual([4, 8]);
    expect(errorOf(() => parseRoundsCsv('services,memory_mb,event\n10,5,load\n', 'x.csv')).message).toBe(
      'x.csv:2: concurrency is empty, expected the highest in-flight count of the traffic step (load rows need it)',
    );
  });

  it('names the file, line and column of a bad value', () => {
    const text = ['# comment', 'services,memory_mb', '100,120', '200,280', '300,470', '400,690', '500,abc'].join('\n');
    const error = errorOf(() => parseRoundsCsv(text, 'field.csv'));
    expect(error.kind).toBe('input');
    expect(error.message).toBe("field.csv:7: memory_mb is 'abc', expected a number ≥ 0");
    expect(errorOf(() => parseRoundsCsv('services,memory_mb\n1.5,3\n', 'f.csv')).message).toBe("f.csv:2: services is '1.5', expected a whole number ≥ 0");
    expect(errorOf(() => parseRoundsCsv('services,memory_mb,event\n1,3,boot\n', 'f.csv')).message).toMatch(/^f\.csv:2: event is 'boot', expected empty or one of round, restart/);
    expect(errorOf(() => parseRoundsCsv('services,memory_mb\n1,-3\n', 'f.csv')).message).toBe("f.csv:2: memory_mb is '-3', expected a number ≥ 0");
  });

  it('rejects a header without the required columns, unknown columns and rows of the wrong width', () => {
    expect(errorOf(() => parseRoundsCsv('services,mem\n1,2\n', 'h.csv')).message).toBe("h.csv:1: unknown column 'mem'");
    expect(errorOf(() => parseRoundsCsv('services\n1\n', 'h.csv')).message).toBe("h.csv:1: no 'memory_mb' or 'memory_bytes' column");
    expect(errorOf(() => parseRoundsCsv('memory_mb,memory_bytes,services\n1,2,3\n', 'h.csv')).message).toBe("h.csv:1: columns 'memory_mb' and 'memory_bytes' say the same thing");
    expect(errorOf(() => parseRoundsCsv('services,memory_mb\n1,2\n3\n', 'w.csv')).message).toMatch(/^w\.csv:3: not a valid CSV/);
    expect(errorOf(() => parseRoundsCsv('# only a comment\n', 'e.csv')).message).toBe('e.csv: no header line');
  });
});

describe('writing rounds.csv', () => {
  const rounds: Round[] = [
    { index: 0, event: 'round', services: 0, memoryBytes: 10_000_000, memorySource: 'v8-heap-after-gc', afterGc: true, rssBytes: 50_000_000, peakBytes: null, preDeployBytes: null, registerMs: null, deployMs: null, elapsedMs: 12.5, concurrency: null },
    { index: 1, event: 'round', services: 100, memoryBytes: 16_000_123, memorySource: 'v8-heap-after-gc', afterGc: true, rssBytes: 61_000_000, peakBytes: 90_000_000, preDeployBytes: 60_000_000, registerMs: 812, deployMs: 95.25, elapsedMs: 1234, concurrency: null, resumed: true },
    { index: 2, event: 'restart', services: 100, memoryBytes: 15_000_000, memorySource: 'rss, sampled', afterGc: false, rssBytes: null, peakBytes: null, preDeployBytes: null, registerMs: null, deployMs: null, elapsedMs: 3000, concurrency: null },
    { index: 3, event: 'load', services: 100, memoryBytes: 15_500_000, memorySource: 'v8-heap-after-gc', afterGc: true, rssBytes: null, peakBytes: null, preDeployBytes: null, registerMs: null, deployMs: null, elapsedMs: null, concurrency: 20 },
  ];

  it('writes the exported columns and reads back the same rows', () => {
    const csv = roundsToCsv(rounds);
    expect(csv.split('\n')[0]).toBe(ROUND_CSV_COLUMNS.join(','));
    expect(csv).toContain('"rss, sampled"');
    expect(parseRoundsCsv(csv, 'rounds.csv')).toEqual(rounds);
  });
});
