/**
 * The run log read back typed and checked: records against their schemas (a bad line is one error
 * naming the line and field), settings against the run's option table for `--resume` (older logs
 * get what their version did), and report.json and `gwscale analyze` reading the same analysis
 * options from a run's settings.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../src/api/analyze.js';
import { renderRunFolder } from '../src/api/report.js';
import { crashRestartsOf, runConfigOf, runConfigOfLog, settingsOf } from '../src/driver/config.js';
import { createServiceCatalog } from '../src/driver/generated-catalog.js';
import { readRunLog } from '../src/driver/run-log.js';
import { runScale } from '../src/driver/scale-run.js';
import { FakeGateway } from './helpers/fake-gateway.js';
import { tempDir } from './helpers/temp-dir.js';
import { errorOf } from './helpers/errors.js';

const root = tempDir('gwscale-run-log-schema-');
const MiB = 1024 * 1024;

/** A short real run log, written by the driver against the in-memory gateway. */
async function writtenLog(name: string, heapMax?: number): Promise<string> {
  const config = runConfigOf(
    { services: 200, batch: 100, readings: 1, readingIntervalMs: 0, verify: 'none', ...(heapMax === undefined ? {} : { heapMax }) },
    join(root, name),
  );
  const result = await runScale(config, { adapter: new FakeGateway({ deployMs: 5 }), catalog: createServiceCatalog(config, 'http://127.0.0.1:9') });
  return result.runLogPath;
}

describe('run-log records are checked on read', () => {
  it('reads what the driver wrote, every record', async () => {
    const path = await writtenLog('ok');
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    expect(readRunLog(path)).toHaveLength(lines.length);
  });

  it('refuses a damaged line in one line naming the line and the field; drops a torn last line', async () => {
    const path = await writtenLog('damaged');
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    const at = lines.findIndex((l) => l.includes('"type":"round"'));
    const bad = [...lines];
    bad[at] = (bad[at] ?? '').replace(/"memoryBytes":\d+/, '"memoryBytes":"lots"');
    writeFileSync(path, bad.join('\n') + '\n');
    const error = errorOf(() => readRunLog(path));
    expect(error.message).toBe(`${path}:${at + 1}: bad run-log line (field round.memoryBytes: Invalid input: expected number, received string)`);
    expect(error.exitCode).toBe(6);
    writeFileSync(path, lines.join('\n') + '\n{"type":"sample","t":12');
    expect(readRunLog(path)).toHaveLength(lines.length);
  });

  it('keeps a record of a type a newer harness writes, and fields it does not know', async () => {
    const path = await writtenLog('newer');
    const text = readFileSync(path, 'utf8');
    writeFileSync(path, text + '{"type":"from-the-future","x":1}\n');
    const records = readRunLog(path);
    expect(records.at(-1)).toEqual({ type: 'from-the-future', x: 1 });
    writeFileSync(path, text.replace('"type":"run-start",', '"type":"run-start","newField":[1],'));
    expect(readRunLog(path)[0]).toMatchObject({ type: 'run-start', newField: [1] });
  });
});

describe('--resume reads the settings typed from the run log', () => {
  const config = runConfigOf(
    { target: 'varnish', services: 300, batch: 100, restartOnCrash: true, crashRestarts: 2, wsdl: 'templates', deployUnderLoad: 4 },
    '/runs/a',
  );

  it('gives back the config that was recorded', () => {
    expect(runConfigOfLog(JSON.parse(JSON.stringify(settingsOf(config))) as Record<string, unknown>, '/runs/a', 'run.jsonl')).toEqual(config);
  });

  it('gives a log of an older version what that version did', () => {
    const { readings: _r, readingIntervalMs: _i, crashRestarts: _c, ...older } = settingsOf(config);
    const resumed = runConfigOfLog(older, '/runs/a', 'run.jsonl');
    expect(resumed).toMatchObject({ readings: 1, readingIntervalMs: 0 });
    expect(crashRestartsOf(resumed)).toBe(3);
  });

  it('refuses a setting of the wrong type in one line naming the log and the field', () => {
    const tampered: Record<string, unknown> = { ...settingsOf(config), services: '300' };
    const error = errorOf(() => runConfigOfLog(tampered, '/runs/a', '/runs/a/run.jsonl'));
    expect(error.message).toBe('/runs/a/run.jsonl: settings.services: Invalid input: expected number, received string (got "300")');
    expect(error.exitCode).toBe(6);
  });
});

describe('report.json and gwscale analyze take the analysis options from the same settings', () => {
  it('name the same heap max and source for a run that set --heap-max', async () => {
    const path = await writtenLog('heap-max', 512 * MiB);
    const dir = join(path, '..');
    const report = renderRunFolder(dir).report;
    const analysis = analyze({ runDir: dir }).analysis;
    expect(report.estimates.heapMax.source).toBe('run-settings');
    expect(analysis.estimates.heapMax.source).toBe(report.estimates.heapMax.source);
    expect(analysis.heapMaxBytes).toBe(512 * MiB);
    expect(report.heapMaxBytes).toBe(analysis.heapMaxBytes);
  });
});
