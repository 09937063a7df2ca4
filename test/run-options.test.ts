/**
 * The flags of issue 13's measurement side — `--readings`, `--reading-interval-ms`, `--leak-margin`,
 * `--redeploys auto[:MAX]` — from the one option table (flags, config files, one-line errors), and
 * the analysis options a run log implies, the same for `gwscale report` and `gwscale analyze`.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { analysisOptionsOfRun } from '../src/analysis/run-settings.js';
import { analyze } from '../src/api/analyze.js';
import { resumeConfigOf } from '../src/api/run.js';
import { analyzeCommand } from '../src/cli/commands/analyze.js';
import { runOptions } from '../src/cli/commands/run-options.js';
import { runConfigOf, type RunConfig } from '../src/driver/config.js';
import { parseOptionValue, type OptionSpec } from '../src/option-spec.js';
import { resolveOptions } from '../src/cli/parse-options.js';
import { RUN_LOG_SCHEMA, type LoadSequentialRecord, type RunRecord } from '../src/run-log/records.js';
import { ExitCode } from '../src/exit-codes.js';
import { buildReport } from '../src/report/build.js';
import { resumePointOf } from '../src/driver/resume.js';
import { runFactsOf } from '../src/report/report-json.js';
import { gwscale } from './helpers/cli.js';
import { tempDir } from './helpers/temp-dir.js';
import { roundRow } from './helpers/round.js';

const root = tempDir('gwscale-run-options-');
const MiB = 1024 * 1024;

const specOf = (specs: readonly OptionSpec[], key: string): OptionSpec => {
  const spec = specs.find((s) => s.key === key);
  if (spec === undefined) throw new Error(`no option ${key}`);
  return spec;
};

describe('the new run options', () => {
  it('--redeploys takes a count, auto or auto:MAX (2–1000, default 30), nothing else', () => {
    const spec = specOf(runOptions, 'redeploys');
    expect(parseOptionValue(spec, '6')).toBe(6);
    expect(parseOptionValue(spec, 'auto')).toEqual({ mode: 'auto', max: 30 });
    expect(parseOptionValue(spec, 'auto:12')).toEqual({ mode: 'auto', max: 12 });
    expect(parseOptionValue(spec, 4)).toBe(4);
    const expected = 'expected a whole number from 0 to 1000, or auto or auto:MAX (MAX from 2 to 1000; default 30)';
    expect(() => parseOptionValue(spec, 'auto:1')).toThrow(`--redeploys: got "auto:1", ${expected}`);
    expect(() => parseOptionValue(spec, 'auto:')).toThrow(`--redeploys: got "auto:", ${expected}`);
    expect(() => parseOptionValue(spec, '1001')).toThrow(`--redeploys: got "1001", ${expected}`);
    expect(() => parseOptionValue(spec, '2.5')).toThrow('--redeploys: got "2.5"');
  });

  it('--leak-margin takes 0.25% or 0.25 (both 0.25 %) from 0.01 % to 50 %, as a fraction', () => {
    const spec = specOf(runOptions, 'leakMargin');
    expect(parseOptionValue(spec, '0.25%')).toBe(0.0025);
    expect(parseOptionValue(spec, '0.25')).toBe(0.0025);
    expect(parseOptionValue(spec, '50%')).toBe(0.5);
    expect(() => parseOptionValue(spec, '0.001%')).toThrow('--leak-margin: got "0.001%", expected a percentage such as 10% from 0.01% to 50%');
    expect(() => parseOptionValue(spec, '51')).toThrow('--leak-margin: got "51"');
    expect(() => parseOptionValue(spec, 'some')).toThrow('--leak-margin: got "some"');
    expect(parseOptionValue(specOf(analyzeCommand.options, 'leakMargin'), '1%')).toBe(0.01);
  });

  it('defaults to 3 readings 300 ms apart, a 0.25 % margin and no redeploys; a config file may set each', () => {
    expect(resolveOptions(runOptions, {})).toMatchObject({ readings: 3, readingIntervalMs: 300, leakMargin: 0.0025, redeploys: 0 });
    const file = join(root, 'run.json');
    writeFileSync(file, JSON.stringify({ readings: 5, readingIntervalMs: 0, leakMargin: '0.5%', redeploys: 'auto:12' }));
    expect(resolveOptions(runOptions, {}, file)).toMatchObject({ readings: 5, readingIntervalMs: 0, leakMargin: 0.005, redeploys: { mode: 'auto', max: 12 } });
    expect(resolveOptions(runOptions, { readings: '2' }, file)).toMatchObject({ readings: 2 });
    writeFileSync(file, JSON.stringify({ readings: 21 }));
    expect(() => resolveOptions(runOptions, {}, file)).toThrow(`${file}: field readings: got 21, expected a whole number from 1 to 20`);
  });

  it('the CLI refuses bad values in one line naming the flag, exit 2', async () => {
    const cases: [string[], string][] = [
      [['run', '--readings', '0'], 'gwscale: --readings: got "0", expected a whole number from 1 to 20\n'],
      [['run', '--reading-interval-ms', '60001'], 'gwscale: --reading-interval-ms: got "60001", expected a whole number from 0 to 60000\n'],
      [
        ['run', '--redeploys', 'auto:1'],
        'gwscale: --redeploys: got "auto:1", expected a whole number from 0 to 1000, or auto or auto:MAX (MAX from 2 to 1000; default 30)\n',
      ],
      [['run', '--leak-margin', '75%'], 'gwscale: --leak-margin: got "75%", expected a percentage such as 10% from 0.01% to 50%\n'],
      [
        ['analyze', '--from-csv', 'x.csv', '--leak-margin', 'lots'],
        'gwscale: --leak-margin: got "lots", expected a percentage such as 10% from 0.01% to 50%\n',
      ],
    ];
    const results = await Promise.all(cases.map(([args]) => gwscale(args)));
    results.forEach((r, i) => {
      expect(r.code).toBe(ExitCode.Usage);
      expect(r.stderr).toBe(cases[i]?.[1]);
    });
  });
});

describe('RunConfig comes from the option table alone', () => {
  const configOf = (flags: Record<string, string | boolean>): RunConfig => runConfigOf(resolveOptions(runOptions, flags), '/runs/x');

  it('the defaults give every setting of a reference run, and no target-specific ones', () => {
    expect(configOf({})).toEqual({
      target: 'reference',
      profile: 'healthy',
      services: 500,
      batch: 100,
      concurrency: 8,
      restartAt: [],
      redeploys: 0,
      readings: 3,
      readingIntervalMs: 300,
      leakMarginFraction: 0.0025,
      gatewayHeapMb: null,
      heapMaxBytes: null,
      wsdlVersion: '1.1',
      wsdlDir: null,
      seed: 1,
      verify: 'all',
      callTimeoutMs: 120_000,
      sampleIntervalMs: 20,
      backendLatencyMs: 0,
      loadSteps: [],
      loadStepMs: 4000,
      loadIdleMs: 3000,
      loadRepeats: 0,
      loadServices: 2,
      restartOnCrash: false,
      outDir: '/runs/x',
    });
  });

  it('renames, converts and scopes fields as their rows say, and freezes the whole config', () => {
    expect(configOf({ target: 'tomcat' })).toMatchObject({ target: 'tomcat', redeployMode: 'full' });
    expect(configOf({ target: 'caddy', redeployMode: 'reload' }).redeployMode).toBeUndefined();
    expect(configOf({ target: 'haproxy', hardStopAfter: '30s' }).hardStopAfterMs).toBe(30_000);
    expect(configOf({ target: 'haproxy' })).not.toHaveProperty('hardStopAfterMs');
    expect(configOf({ target: 'varnish', discardOld: 'false' }).discardOld).toBe(false);
    expect(configOf({ deployUnderLoad: '4' }).deployUnderLoad).toBe(4);
    expect(configOf({ deployUnderLoad: '0' })).not.toHaveProperty('deployUnderLoad');
    expect(configOf({ wsdl: 'my-wsdls', heapMax: '1GiB', gatewayHeapMb: '256' })).toMatchObject({
      wsdlDir: resolve('my-wsdls'),
      heapMaxBytes: 1024 * MiB,
      gatewayHeapMb: 256,
    });
    expect(configOf({ restartOnCrash: true, crashRestarts: '1' }).crashRestarts).toBe(1);
    expect(configOf({ restartOnCrash: true }).crashRestarts).toBe(3);
    expect(configOf({ crashRestarts: '1' })).not.toHaveProperty('crashRestarts');
    const config = configOf({ restartAt: '100,200', redeploys: 'auto:5' });
    expect(Object.isFrozen(config) && Object.isFrozen(config.restartAt) && Object.isFrozen(config.redeploys)).toBe(true);
  });

  it('types each field from its row (checked by the type checker)', () => {
    // A built-in target's name, recipe:FILE, or a plugin module: checked when the run resolves it.
    expectTypeOf<RunConfig['target']>().toEqualTypeOf<string>();
    expectTypeOf<RunConfig['wsdlDir']>().toEqualTypeOf<string | null>();
    expectTypeOf<RunConfig['discardOld']>().toEqualTypeOf<boolean | undefined>();
    expectTypeOf<RunConfig['crashRestarts']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<RunConfig['restartAt']>().toEqualTypeOf<readonly number[]>();
    expectTypeOf<RunConfig['verify']>().toEqualTypeOf<'all' | 'new' | 'none'>();
  });

  it('--crash-restarts is refused in one line outside 1–100, exit 2', async () => {
    const r = await gwscale(['run', '--restart-on-crash', '--crash-restarts', '0']);
    expect(r.code).toBe(ExitCode.Usage);
    expect(r.stderr).toBe('gwscale: --crash-restarts: got "0", expected a whole number from 1 to 100\n');
  });
});

const row = roundRow;

function runLog(settings: Record<string, unknown>, extra: RunRecord[] = []): RunRecord[] {
  const rows = [
    row(0, 'round', 0, 50 * MiB),
    row(1, 'round', 100, 60 * MiB),
    row(2, 'round', 200, 70 * MiB),
    row(3, 'round', 300, 80 * MiB),
    row(4, 'redeploy', 300, 80 * MiB),
  ];
  return [
    {
      type: 'run-start',
      schema: RUN_LOG_SCHEMA,
      at: '2026-01-01T00:00:00.000Z',
      harnessVersion: '0.1.0',
      nodeVersion: 'v20',
      target: 'reference',
      profile: 'healthy',
      settings,
    },
    ...rows.map((round): RunRecord => ({ type: 'round', round })),
    ...extra,
  ];
}

describe('analysis options of a run log', () => {
  it("pass the run's leak margin to the analysis; an override wins; older logs leave it to the default", () => {
    expect(analysisOptionsOfRun(runLog({ leakMarginFraction: 0.005 })).leakMarginFraction).toBe(0.005);
    expect(analysisOptionsOfRun(runLog({ leakMarginFraction: 0.005 }), { leakMarginFraction: 0.01 }).leakMarginFraction).toBe(0.01);
    expect(analysisOptionsOfRun(runLog({})).leakMarginFraction).toBeNull();
  });

  it('report.json and gwscale analyze name the same heap max source: run-settings when the run set it', () => {
    const dir = join(root, 'heap-max');
    mkdirSync(dir);
    const records = runLog({ heapMaxBytes: 512 * MiB, leakMarginFraction: 0.0025 });
    writeFileSync(join(dir, 'run.jsonl'), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const report = buildReport(records);
    const analysis = analyze({ runDir: dir }).analysis;
    expect(report.estimates.heapMax.source).toBe('run-settings');
    expect(analysis.estimates.heapMax.source).toBe('run-settings');
    expect(report.heapMaxBytes).toBe(analysis.heapMaxBytes);
    expect(analyze({ runDir: dir, heapMaxBytes: 1024 * MiB }).analysis.estimates.heapMax.source).toBe('option');
  });

  it('report.json says how --redeploys auto ended, and nothing for a fixed count', () => {
    expect(runFactsOf(runLog({ redeploys: 1 })).sequentialRedeploys).toBeNull();
    expect(runFactsOf(runLog({ redeploys: { mode: 'auto', max: 30 } })).sequentialRedeploys).toEqual({
      mode: 'auto',
      max: 30,
      redeploys: 0,
      decided: null,
      reason: 'no redeploy was measured',
    });
    const decided = runFactsOf(
      runLog({ redeploys: { mode: 'auto', max: 30 } }, [{ type: 'sequential', redeploys: 7, max: 30, state: 'leak', reason: 'kept 1.2 % per deploy' }]),
    );
    expect(decided.sequentialRedeploys).toEqual({ mode: 'auto', max: 30, redeploys: 7, decided: 'leak', reason: 'kept 1.2 % per deploy' });
  });

  it('report.json says how --load-repeats auto ended: its last look, undecided at MAX, or nothing without it', () => {
    expect(runFactsOf(runLog({ loadRepeats: 2 })).sequentialLoadRepeats).toBeNull();
    expect(runFactsOf(runLog({})).sequentialLoadRepeats).toBeNull();
    const auto = { loadRepeats: { mode: 'auto', max: 10 } };
    const look = (repeats: number, state: LoadSequentialRecord['state']): RunRecord => ({
      type: 'load-sequential',
      repeats,
      max: 10,
      state,
      reason: `look ${repeats}`,
    });
    expect(runFactsOf(runLog(auto, [look(0, 'continue'), look(1, 'concurrency-retention')])).sequentialLoadRepeats).toEqual({
      mode: 'auto',
      max: 10,
      repeats: 1,
      decided: 'concurrency-retention',
      reason: 'look 1',
    });
    const undecided = runFactsOf(
      runLog(
        auto,
        Array.from({ length: 11 }, (_, r) => look(r, 'continue')),
      ),
    ).sequentialLoadRepeats;
    expect(undecided?.decided).toBeNull();
    expect(undecided?.reason).toBe('undecided after 10 repeats, the most allowed: look 10');
  });
});

describe('resuming a run with --redeploys auto', () => {
  it('knows when the sequential test already decided, so a resumed run does not redeploy again', () => {
    const auto = { redeploys: { mode: 'auto', max: 30 } };
    expect(resumePointOf(runLog(auto, [{ type: 'sequential', redeploys: 1, max: 30, state: 'continue', reason: 'not yet' }]))).toMatchObject({
      redeploysDone: 1,
      sequentialDecided: false,
    });
    expect(resumePointOf(runLog(auto, [{ type: 'sequential', redeploys: 1, max: 30, state: 'healthy', reason: 'flat' }]))).toMatchObject({
      redeploysDone: 1,
      sequentialDecided: true,
    });
  });
});

describe("a resumed run's settings", () => {
  const gatewayStart = (version: string): RunRecord => ({
    type: 'gateway-start',
    at: '2026-01-01T00:00:01.000Z',
    version,
    pid: 1,
    reason: 'start',
    startMs: 900,
  });
  const resumed = (settings: Record<string, unknown>, versions: string[]): RunConfig =>
    resumeConfigOf(runLog(settings, versions.map(gatewayStart)), join(root, 'resumed'), join(root, 'resumed', 'run.jsonl'));

  it('pin a Node-RED version range to the release the first session ran, so a newer one is not mixed in', () => {
    expect(resumed({ target: 'node-red', gatewayVersion: '4.1.x' }, ['Node-RED 4.1.15', 'Node-RED 4.1.16']).gatewayVersion).toBe('4.1.15');
    expect(resumed({ target: 'node-red', gatewayVersion: '4' }, ['Node-RED 4.0.9']).gatewayVersion).toBe('4.0.9');
  });

  it('keep an exact version, a range no session started, a recorded version outside the range, and other targets as logged', () => {
    expect(resumed({ target: 'node-red', gatewayVersion: '3.1.15' }, ['Node-RED 3.1.15']).gatewayVersion).toBe('3.1.15');
    expect(resumed({ target: 'node-red', gatewayVersion: '4.1.x' }, []).gatewayVersion).toBe('4.1.x');
    expect(resumed({ target: 'node-red', gatewayVersion: '4.1.x' }, ['Node-RED 4.2.0']).gatewayVersion).toBe('4.1.x');
    expect(resumed({ target: 'reference' }, ['reference gateway 0.1.0']).gatewayVersion).toBeUndefined();
  });
});
