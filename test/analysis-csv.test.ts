import { describe, expect, it } from 'vitest';
import { parseRoundsCsv, roundsToCsv, ROUND_CSV_COLUMNS } from '../src/analysis/rounds-csv.js';
import { roundRow } from './helpers/round.js';
import type { Round } from '../src/run-log/round.js';
import { errorOf } from './helpers/errors.js';

const MiB = 1024 * 1024;

describe('reading a rounds CSV', () => {
  it('reads hand measurements in MiB with events, elapsed seconds, comments and notes', () => {
    const rows = parseRoundsCsv(
      [
        '# field data',
        'services,event,memory_mb,elapsed_s,peak_mb,note',
        '100,,120,360,240,"first, fresh"',
        '300,restart,200,,,',
        '',
        '400,round,690.5,1020,,',
      ].join('\n'),
      'field.csv',
    );
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatchObject({
      index: 0,
      event: 'round',
      services: 100,
      memoryBytes: 120 * MiB,
      elapsedMs: 360_000,
      peakBytes: 240 * MiB,
      afterGc: true,
      memorySource: 'csv',
    });
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
    expect(errorOf(() => parseRoundsCsv('services,memory_mb,event\n1,3,boot\n', 'f.csv')).message).toMatch(
      /^f\.csv:2: event is 'boot', expected empty or one of round, restart/,
    );
    expect(errorOf(() => parseRoundsCsv('services,memory_mb\n1,-3\n', 'f.csv')).message).toBe("f.csv:2: memory_mb is '-3', expected a number ≥ 0");
  });

  it('rejects a header without the required columns, unknown columns and rows of the wrong width', () => {
    expect(errorOf(() => parseRoundsCsv('services,mem\n1,2\n', 'h.csv')).message).toBe("h.csv:1: unknown column 'mem'");
    expect(errorOf(() => parseRoundsCsv('services\n1\n', 'h.csv')).message).toBe("h.csv:1: no 'memory_mb' or 'memory_bytes' column");
    expect(errorOf(() => parseRoundsCsv('memory_mb,memory_bytes,services\n1,2,3\n', 'h.csv')).message).toBe(
      "h.csv:1: columns 'memory_mb' and 'memory_bytes' say the same thing",
    );
    expect(errorOf(() => parseRoundsCsv('services,memory_mb\n1,2\n3\n', 'w.csv')).message).toMatch(/^w\.csv:3: not a valid CSV/);
    expect(errorOf(() => parseRoundsCsv('# only a comment\n', 'e.csv')).message).toBe('e.csv: no header line');
  });
});

describe('writing rounds.csv', () => {
  const rounds: Round[] = [
    {
      index: 0,
      event: 'round',
      services: 0,
      memoryBytes: 10_000_000,
      memorySource: 'v8-heap-after-gc',
      afterGc: true,
      rssBytes: 50_000_000,
      peakBytes: null,
      preDeployBytes: null,
      registerMs: null,
      deployMs: null,
      elapsedMs: 12.5,
      concurrency: null,
    },
    {
      index: 1,
      event: 'round',
      services: 100,
      memoryBytes: 16_000_123,
      memorySource: 'v8-heap-after-gc',
      afterGc: true,
      rssBytes: 61_000_000,
      peakBytes: 90_000_000,
      preDeployBytes: 60_000_000,
      registerMs: 812,
      deployMs: 95.25,
      elapsedMs: 1234,
      concurrency: null,
      resumed: true,
    },
    {
      index: 2,
      event: 'restart',
      services: 100,
      memoryBytes: 15_000_000,
      memorySource: 'rss, sampled',
      afterGc: false,
      rssBytes: null,
      peakBytes: null,
      preDeployBytes: null,
      registerMs: null,
      deployMs: null,
      elapsedMs: 3000,
      concurrency: null,
    },
    {
      index: 3,
      event: 'load',
      services: 100,
      memoryBytes: 15_500_000,
      memorySource: 'v8-heap-after-gc',
      afterGc: true,
      rssBytes: null,
      peakBytes: null,
      preDeployBytes: null,
      registerMs: null,
      deployMs: null,
      elapsedMs: null,
      concurrency: 20,
      requests: 4321,
    },
  ];

  it('writes the exported columns and reads back the same rows', () => {
    const csv = roundsToCsv(rounds);
    expect(csv.split('\n')[0]).toBe(ROUND_CSV_COLUMNS.join(','));
    expect(csv).toContain('"rss, sampled"');
    expect(parseRoundsCsv(csv, 'rounds.csv')).toEqual(rounds);
  });
});

describe('extra numbers in rounds CSVs', () => {
  const jvm = { memorySource: 'jvm-heap-after-gc' } as const;
  const rounds: Round[] = [
    roundRow(0, 'round', 0, 10_000_000, { ...jvm, extra: { metaspaceBytes: 41_000_000, loadedClasses: 5012 } }),
    roundRow(1, 'round', 10, 11_000_000, jvm),
    roundRow(2, 'redeploy', 10, 11_500_000, {
      ...jvm,
      extra: { loadedClasses: 5230, deployProcesses: 2, peakRssBytes: 2.5e8, p99Ms: 1.25, Odd: 1, peak_rss: 3, nodeNaN: NaN },
    }),
    // Read three times: every line repeats the extras, and the point reads back with them once.
    roundRow(3, 'round', 20, 12_000_001, { ...jvm, readingsBytes: [12_000_000, 12_000_002, 12_000_001], extra: { loadedClasses: 5300 } }),
  ];

  it('writes an extra_<snake_case> column per name the rows hold and reads them back into extra', () => {
    const csv = roundsToCsv(rounds);
    const header = (csv.split('\n')[0] ?? '').split(',');
    expect(header.slice(0, ROUND_CSV_COLUMNS.length)).toEqual([...ROUND_CSV_COLUMNS]);
    // In order of first appearance; `Odd` and `peak_rss` would not come back as themselves, so they have no column.
    expect(header.slice(ROUND_CSV_COLUMNS.length)).toEqual([
      'extra_metaspace_bytes',
      'extra_loaded_classes',
      'extra_deploy_processes',
      'extra_peak_rss_bytes',
      'extra_p99_ms',
      'extra_node_na_n',
    ]);
    // A value that is not a finite number is an empty cell, so the row reads back without it.
    const dropped = new Set(['Odd', 'peak_rss', 'nodeNaN']);
    const expected = rounds.map((r) =>
      r.extra === undefined ? r : { ...r, extra: Object.fromEntries(Object.entries(r.extra).filter(([k]) => !dropped.has(k))) },
    );
    expect(parseRoundsCsv(csv, 'rounds.csv')).toEqual(expected);
  });

  it('reads extra columns in a hand-written file and names a bad one', () => {
    const rows = parseRoundsCsv('services,memory_mb,extra_goroutines,extra_heap_delta_bytes\n0,10,12,-4096\n10,11,,\n', 'hand.csv');
    expect(rows.map((r) => r.extra)).toEqual([{ goroutines: 12, heapDeltaBytes: -4096 }, undefined]);
    expect(() => parseRoundsCsv('services,memory_mb,extra_goroutines\n0,10,many\n', 'hand.csv')).toThrow(
      "hand.csv:2: extra_goroutines is 'many', expected a number",
    );
    expect(() => parseRoundsCsv('services,memory_mb,extra_\n0,10,1\n', 'hand.csv')).toThrow("hand.csv:1: unknown column 'extra_'");
    expect(() => parseRoundsCsv('services,memory_mb,extra_goroutines\n0,10,1e999\n', 'hand.csv')).toThrow('expected a number');
    // Headers are read in lower case; a part starting with a digit would read back as another column's name.
    expect(parseRoundsCsv('services,memory_mb,Extra_Goroutines\n0,10,7\n', 'hand.csv')[0]?.extra).toEqual({ goroutines: 7 });
    expect(() => parseRoundsCsv('services,memory_mb,extra_heap_2,extra_heap2\n0,10,1,2\n', 'hand.csv')).toThrow("unknown column 'extra_heap_2'");
  });
});

describe('replicate readings in rounds CSVs', () => {
  const base = { memorySource: 'v8-heap-after-gc', afterGc: true, registerMs: null, elapsedMs: null, concurrency: null } as const;
  const rounds: Round[] = [
    {
      ...base,
      index: 0,
      event: 'round',
      services: 0,
      memoryBytes: 10_000_001,
      readingsBytes: [10_000_000, 10_000_002, 10_000_001],
      rssBytes: 50_000_000,
      peakBytes: null,
      preDeployBytes: null,
      deployMs: null,
    },
    {
      ...base,
      index: 1,
      event: 'round',
      services: 100,
      memoryBytes: 16_000_000,
      readingsBytes: [16_100_000, 15_900_000],
      rssBytes: 61_000_000,
      peakBytes: 30_000_000,
      peakSource: 'heap',
      preDeployBytes: 11_000_000,
      deployMs: 95,
    },
    {
      ...base,
      index: 2,
      event: 'redeploy',
      services: 100,
      memoryBytes: 16_000_100,
      rssBytes: null,
      peakBytes: 90_000_000,
      peakSource: 'rss',
      preDeployBytes: 60_000_000,
      deployMs: 90,
    },
    {
      ...base,
      index: 3,
      event: 'redeploy',
      services: 100,
      memoryBytes: 16_000_200,
      readingsBytes: [16_000_100, 16_000_300],
      rssBytes: null,
      peakBytes: null,
      preDeployBytes: null,
      deployMs: 91,
    },
  ];

  it('writes a line per reading (replicate 0, 1, 2…, other cells repeated) and reads back the same rows', () => {
    const csv = roundsToCsv(rounds);
    const lines = csv.trim().split('\n');
    expect(lines).toHaveLength(1 + 3 + 2 + 1 + 2);
    const column = (name: string): number => ROUND_CSV_COLUMNS.indexOf(name as (typeof ROUND_CSV_COLUMNS)[number]);
    const cellsOf = (line: string | undefined): string[] => (line ?? '').split(',');
    expect(
      lines
        .slice(1, 4)
        .map((l) => [cellsOf(l)[column('index')], cellsOf(l)[column('replicate')], cellsOf(l)[column('memory_bytes')], cellsOf(l)[column('rss_bytes')]]),
    ).toEqual([
      ['0', '0', '10000000', '50000000'],
      ['0', '1', '10000002', '50000000'],
      ['0', '2', '10000001', '50000000'],
    ]);
    expect(cellsOf(lines[4])[column('peak_source')]).toBe('heap');
    expect(parseRoundsCsv(csv, 'rounds.csv')).toEqual(rounds);
  });

  it('folds repeated round and restart rows at one point of a hand-written CSV; redeploys stay separate deploys', () => {
    const rows = parseRoundsCsv(
      [
        'services,event,memory_mb',
        '100,round,120',
        '100,round,122',
        '100,round,121',
        '100,restart,90',
        '100,restart,92',
        '100,redeploy,121',
        '100,redeploy,121',
        '200,round,200',
      ].join('\n'),
      'hand.csv',
    );
    expect(rows.map((r) => [r.index, r.event, r.services, r.readingsBytes?.length ?? 1])).toEqual([
      [0, 'round', 100, 3],
      [1, 'restart', 100, 2],
      [2, 'redeploy', 100, 1],
      [3, 'redeploy', 100, 1],
      [4, 'round', 200, 1],
    ]);
    expect(rows[0]?.memoryBytes).toBe(121 * MiB);
    expect(rows[0]?.readingsBytes).toEqual([120 * MiB, 122 * MiB, 121 * MiB]);
    expect(rows[1]?.memoryBytes).toBe(91 * MiB);
  });

  it('with a replicate column, folds only what it says: redeploy replicates join, repeated rounds with replicate 0 stay apart', () => {
    const rows = parseRoundsCsv(
      ['services,event,memory_mb,replicate', '100,round,120,0', '100,round,122,0', '100,redeploy,130,0', '100,redeploy,132,1'].join('\n'),
      'r.csv',
    );
    expect(rows.map((r) => [r.event, r.memoryBytes / MiB, r.readingsBytes?.map((b) => b / MiB) ?? null])).toEqual([
      ['round', 120, null],
      ['round', 122, null],
      ['redeploy', 131, [130, 132]],
    ]);
  });

  it('refuses a replicate that follows no reading of its point, or skips a number, naming the line', () => {
    expect(errorOf(() => parseRoundsCsv('services,memory_mb,replicate\n100,5,1\n', 'a.csv')).message).toBe(
      'a.csv:2: replicate 1 does not follow a reading of the same event and services',
    );
    expect(errorOf(() => parseRoundsCsv('services,memory_mb,replicate\n100,5,0\n200,6,1\n', 'b.csv')).message).toBe(
      'b.csv:3: replicate 1 does not follow a reading of the same event and services',
    );
    expect(errorOf(() => parseRoundsCsv('services,memory_mb,replicate\n100,5,0\n100,6,2\n', 'c.csv')).message).toBe(
      "c.csv:3: replicate is 2, expected 1 (the point's readings are numbered 0, 1, 2…)",
    );
    expect(errorOf(() => parseRoundsCsv('services,memory_mb,peak_source\n100,5,ram\n', 'd.csv')).message).toBe(
      "d.csv:2: peak_source is 'ram', expected empty, heap, rss or pss-tree",
    );
  });
});
