/**
 * The rounds CSV: what `gwscale analyze --from-csv` reads and what `rounds.csv` is written as, so a
 * written file reads back into the same rows. Hand measurements need only `services` and one of
 * `memory_mb` / `memory_bytes`. Pure: text in, rows out; the file is read at the edge.
 */
import { parse } from 'csv-parse/sync';
import { inputError } from '../errors.js';
import { MiB } from '../units.js';
import { meanOfReadings, type PeakSource, type Round, type RoundEvent } from '../run-log/round.js';

/** Columns of `rounds.csv`, in the order written. Every one of them is also read. */
export const ROUND_CSV_COLUMNS = [
  'index',
  'event',
  'services',
  'memory_bytes',
  'replicate',
  'memory_source',
  'after_gc',
  'rss_bytes',
  'peak_bytes',
  'pre_deploy_bytes',
  'peak_source',
  'register_ms',
  'deploy_ms',
  'elapsed_ms',
  'concurrency',
  'requests',
  'resumed',
] as const;

/**
 * Columns for `Round.extra` (the numbers a memory source read beside the memory: `loadedClasses`,
 * `goroutines`, `deployProcesses`…): `extra_` and the name in snake case (`extra_loaded_classes`),
 * written after ROUND_CSV_COLUMNS for the names the rows hold and read back into `extra`; a name
 * that would not come back as itself (one starting with a capital) is not written.
 */
const EXTRA_PREFIX = 'extra_';
/** Each part starts with a letter, so no two columns read back as one name (`heap_2` and `heap2` would). */
const extraColumn = /^extra_[a-z][a-z0-9]*(_[a-z][a-z0-9]*)*$/;
const columnOfExtra = (name: string): string => EXTRA_PREFIX + name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const extraOfColumn = (column: string): string => column.slice(EXTRA_PREFIX.length).replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** A decimal number as a cell may hold it: sign, digits, fraction, exponent (no hex, no blanks). */
const decimalText = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** Columns read besides ROUND_CSV_COLUMNS: hand-friendly units and free-text notes. */
export const ROUND_CSV_EXTRA_COLUMNS = ['memory_mb', 'peak_mb', 'elapsed_s', 'note', 'comment'] as const;

/** Pairs of columns that say the same thing in different units; a file may hold one of each. */
const ALTERNATIVES: readonly (readonly [string, string])[] = [
  ['memory_mb', 'memory_bytes'],
  ['peak_mb', 'peak_bytes'],
  ['elapsed_s', 'elapsed_ms'],
];

const EVENTS: readonly RoundEvent[] = ['round', 'restart', 'redeploy', 'load', 'crash'];

/** Events whose consecutive rows at the same services are one point read again (without a `replicate` column). */
const IMPLIED_REPLICATE_EVENTS: readonly RoundEvent[] = ['round', 'restart'];

/** Memory read from a CSV is taken as after-GC unless an `after_gc` column says otherwise. */
export const CSV_MEMORY_SOURCE = 'csv';

type Cells = Readonly<Record<string, string>>;

class RowReader {
  constructor(
    private readonly file: string,
    private readonly line: number,
    private readonly cells: Cells,
  ) {}

  private fail(column: string, expected: string): never {
    throw inputError(
      `${this.file}:${this.line}: ${column} is '${this.cells[column] ?? ''}', expected ${expected}`,
      'fix the value or leave the cell empty where the column is optional',
    );
  }

  has(column: string): boolean {
    return (this.cells[column] ?? '') !== '';
  }

  number(column: string, { integer = false } = {}): number | null {
    const text = this.cells[column] ?? '';
    if (text === '') return null;
    const value = Number(text);
    const expected = integer ? 'a whole number ≥ 0' : 'a number ≥ 0';
    if (!decimalText.test(text) || text.startsWith('-') || !Number.isFinite(value) || value < 0) this.fail(column, expected);
    if (integer && !Number.isSafeInteger(value)) this.fail(column, expected);
    return value;
  }

  /** A size column given in bytes or, where the file has that column instead, in MiB (1 MiB = 1,048,576 bytes); whole bytes out. */
  bytes(bytesColumn: string, mbColumn?: string): number | null {
    const bytes = this.number(bytesColumn);
    if (bytes !== null) return Math.round(bytes);
    const mb = mbColumn === undefined ? null : this.number(mbColumn);
    return mb === null ? null : Math.round(mb * MiB);
  }

  /** The `extra_*` cells that hold a number, by their `Round.extra` name; null when none does. */
  extra(columns: readonly string[]): Record<string, number> | null {
    let extra: Record<string, number> | null = null;
    for (const column of columns) {
      const text = this.cells[column] ?? '';
      if (text === '') continue;
      const value = Number(text);
      if (!decimalText.test(text) || !Number.isFinite(value)) this.fail(column, 'a number');
      (extra ??= {})[extraOfColumn(column)] = value;
    }
    return extra;
  }

  boolean(column: string): boolean | null {
    const text = (this.cells[column] ?? '').toLowerCase();
    if (text === '') return null;
    if (['true', 'yes', '1'].includes(text)) return true;
    if (['false', 'no', '0'].includes(text)) return false;
    return this.fail(column, 'true or false');
  }

  event(): RoundEvent {
    const text = (this.cells.event ?? '').toLowerCase();
    if (text === '') return 'round';
    if (!(EVENTS as readonly string[]).includes(text)) this.fail('event', `empty or one of ${EVENTS.join(', ')}`);
    return text as RoundEvent;
  }

  peakSource(): PeakSource | null {
    const text = (this.cells.peak_source ?? '').toLowerCase();
    if (text === '') return null;
    if (text !== 'heap' && text !== 'rss' && text !== 'pss-tree') this.fail('peak_source', 'empty, heap, rss or pss-tree');
    return text;
  }

  /** An input error about this line, to throw. */
  error(message: string, hint?: string): Error {
    return inputError(`${this.file}:${this.line}: ${message}`, hint);
  }

  required(column: string, value: number | null, what: string): number {
    if (value === null) throw inputError(`${this.file}:${this.line}: ${column} is empty, expected ${what}`);
    return value;
  }
}

function checkHeader(file: string, line: number, header: readonly string[]): void {
  const known = new Set<string>([...ROUND_CSV_COLUMNS, ...ROUND_CSV_EXTRA_COLUMNS]);
  const seen = new Set<string>();
  for (const name of header) {
    if (!known.has(name) && !extraColumn.test(name)) {
      throw inputError(
        `${file}:${line}: unknown column '${name}'`,
        `columns are ${[...known].join(', ')}, and extra_<name> for other numbers (services and memory_mb or memory_bytes are required)`,
      );
    }
    if (seen.has(name)) throw inputError(`${file}:${line}: column '${name}' appears twice`);
    seen.add(name);
  }
  if (!seen.has('services')) throw inputError(`${file}:${line}: no 'services' column`, 'the header must name services and memory_mb or memory_bytes');
  if (!seen.has('memory_mb') && !seen.has('memory_bytes')) {
    throw inputError(`${file}:${line}: no 'memory_mb' or 'memory_bytes' column`, 'the header must name services and memory_mb or memory_bytes');
  }
  for (const [a, b] of ALTERNATIVES) {
    if (seen.has(a) && seen.has(b)) throw inputError(`${file}:${line}: columns '${a}' and '${b}' say the same thing`, `keep one of them`);
  }
}

/** One line of the file, read; `replicate` is null when the file has no such column. */
interface Line {
  readonly row: Round;
  readonly replicate: number | null;
  readonly reader: RowReader;
}

/**
 * Parses a rounds CSV into measurement rows (one per measurement point), in file order. Lines
 * starting with `#` are comments. Repeated readings of one point become one row whose
 * `memoryBytes` is their mean and `readingsBytes` every reading: a line with `replicate` > 0 is a
 * further reading of the point on the line before it; in a file without that column, consecutive
 * `round` (or `restart`) lines at the same services are one point read again. Consecutive
 * `redeploy` lines stay separate deploys unless a `replicate` column says otherwise. A point's
 * other columns are those of its first line.
 * @param file the name used in error messages (`field.csv:7: memory_mb is 'abc', expected a number ≥ 0`).
 * @throws GwscaleError (kind 'input') naming the line and column of the first bad value.
 */
export function parseRoundsCsv(text: string, file: string): Round[] {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { comment: '#', skip_empty_lines: true, info: true, bom: true, trim: true }) as unknown as typeof records;
  } catch (error) {
    const where = typeof (error as { lines?: unknown }).lines === 'number' ? `:${(error as { lines: number }).lines}` : '';
    const message = error instanceof Error ? error.message.replace(/\s+on line \d+$/, '').replace(/\s+at line \d+$/, '') : String(error);
    throw inputError(`${file}${where}: not a valid CSV (${message})`, 'one header line, then one row per measurement, comma-separated');
  }
  const first = records[0];
  if (first === undefined) throw inputError(`${file}: no header line`, 'the header must name services and memory_mb or memory_bytes');
  const header = first.record.map((h) => h.toLowerCase());
  checkHeader(file, first.info.lines, header);
  if (records.length < 2) throw inputError(`${file}: no measurement rows after the header`);
  const hasReplicate = header.includes('replicate');
  const extraColumns = header.filter((name) => extraColumn.test(name));
  const lines = records.slice(1).map(({ record, info }): Line => {
    const cells: Record<string, string> = {};
    header.forEach((name, i) => (cells[name] = record[i] ?? ''));
    const row = new RowReader(file, info.lines, cells);
    const event = row.event();
    const concurrency = row.number('concurrency', { integer: true });
    if (event === 'load' && concurrency === null) row.required('concurrency', null, 'the highest in-flight count of the traffic step (load rows need it)');
    const elapsedMs = row.number('elapsed_ms') ?? (row.has('elapsed_s') ? (row.number('elapsed_s') as number) * 1000 : null);
    const resumed = row.boolean('resumed');
    const requests = row.number('requests', { integer: true });
    const peakSource = row.peakSource();
    const extra = row.extra(extraColumns);
    const result: Round = {
      index: 0,
      event,
      services: row.required('services', row.number('services', { integer: true }), 'a whole number ≥ 0'),
      memoryBytes: row.required(header.includes('memory_bytes') ? 'memory_bytes' : 'memory_mb', row.bytes('memory_bytes', 'memory_mb'), 'a number ≥ 0'),
      memorySource: cells.memory_source || CSV_MEMORY_SOURCE,
      afterGc: row.boolean('after_gc') ?? true,
      rssBytes: row.bytes('rss_bytes'),
      peakBytes: row.bytes('peak_bytes', 'peak_mb'),
      ...(peakSource === null ? {} : { peakSource }),
      preDeployBytes: row.bytes('pre_deploy_bytes'),
      registerMs: row.number('register_ms'),
      deployMs: row.number('deploy_ms'),
      elapsedMs,
      concurrency,
      ...(requests === null ? {} : { requests }),
      ...(extra === null ? {} : { extra }),
    };
    return {
      row: resumed === null ? result : { ...result, resumed },
      replicate: hasReplicate ? (row.number('replicate', { integer: true }) ?? 0) : null,
      reader: row,
    };
  });
  return foldReplicates(lines);
}

/** Folds the lines of each measurement point into one row (see `parseRoundsCsv`); `index` counts points. */
function foldReplicates(lines: readonly Line[]): Round[] {
  const points: { first: Round; readings: number[] }[] = [];
  for (const { row, replicate, reader } of lines) {
    const point = points[points.length - 1];
    const sameSpot = point !== undefined && point.first.event === row.event && point.first.services === row.services;
    if (replicate !== null && replicate > 0) {
      if (point === undefined || !sameSpot)
        throw reader.error(
          `replicate ${replicate} does not follow a reading of the same event and services`,
          'a replicate > 0 is a further reading of the point on the line before it',
        );
      if (replicate !== point.readings.length)
        throw reader.error(`replicate is ${replicate}, expected ${point.readings.length} (the point's readings are numbered 0, 1, 2…)`);
      point.readings.push(row.memoryBytes);
    } else if (replicate === null && sameSpot && IMPLIED_REPLICATE_EVENTS.includes(row.event)) {
      point.readings.push(row.memoryBytes);
    } else {
      points.push({ first: row, readings: [row.memoryBytes] });
    }
  }
  return points.map(({ first, readings }, index): Round =>
    readings.length === 1 ? { ...first, index } : { ...first, index, memoryBytes: meanOfReadings(readings), readingsBytes: readings },
  );
}

function cell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A number of `extra`, or an empty cell where the row has none (or not a finite number). */
const extraCell = (value: number | undefined): string => (value !== undefined && Number.isFinite(value) ? String(value) : '');

/**
 * Renders rows as a rounds CSV (header ROUND_CSV_COLUMNS, then an `extra_*` column per name the
 * rows' `extra` holds, in order of first appearance): one line per reading — a point read K times
 * is K lines with `replicate` 0…K−1 and that reading in `memory_bytes`, its other cells repeated.
 * `parseRoundsCsv` reads it back into the same rows.
 */
export function roundsToCsv(rounds: readonly Round[]): string {
  // Only names that come back as themselves get a column (camelCase ones do).
  const extraNames = [...new Set(rounds.flatMap((r) => Object.keys(r.extra ?? {})))].filter(
    (name) => extraColumn.test(columnOfExtra(name)) && extraOfColumn(columnOfExtra(name)) === name,
  );
  const lines = [[...ROUND_CSV_COLUMNS, ...extraNames.map(columnOfExtra)].join(',')];
  for (const r of rounds) {
    const readings = r.readingsBytes !== undefined && r.readingsBytes.length > 1 ? r.readingsBytes : [r.memoryBytes];
    readings.forEach((reading, replicate) => {
      const values: Record<(typeof ROUND_CSV_COLUMNS)[number], string | number | boolean | null | undefined> = {
        index: r.index,
        event: r.event,
        services: r.services,
        memory_bytes: reading,
        replicate,
        memory_source: r.memorySource,
        after_gc: r.afterGc,
        rss_bytes: r.rssBytes,
        peak_bytes: r.peakBytes,
        pre_deploy_bytes: r.preDeployBytes,
        peak_source: r.peakSource,
        register_ms: r.registerMs,
        deploy_ms: r.deployMs,
        elapsed_ms: r.elapsedMs,
        concurrency: r.concurrency,
        requests: r.requests,
        resumed: r.resumed,
      };
      lines.push([...ROUND_CSV_COLUMNS.map((c) => cell(values[c])), ...extraNames.map((name) => extraCell(r.extra?.[name]))].join(','));
    });
  }
  return lines.join('\n') + '\n';
}
