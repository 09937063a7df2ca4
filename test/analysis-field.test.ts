/**
 * Acceptance on the field data of the brief (Oracle Enterprise Gateway, fixtures/csv/field-oeg.csv)
 * through the API and the real CLI, and `gwscale analyze RUN_DIR` on a run log.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyze } from '../src/api/analyze.js';
import { analyzeRounds, type Analysis } from '../src/analysis/analysis.js';
import { parseRoundsCsv } from '../src/analysis/rounds-csv.js';
import { ExitCode } from '../src/exit-codes.js';
import { RUN_LOG_SCHEMA } from '../src/run-log/records.js';
import { HEALTHY, KiB, rowsOf, simulate } from './analysis-synthetic.js';
import { gwscale } from './helpers/cli.js';

const FIXTURE = new URL('../fixtures/csv/field-oeg.csv', import.meta.url).pathname;
const MB = 1024 * 1024;
const tempDirs: string[] = [];

afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

describe('the Oracle Enterprise Gateway field data', () => {
  const rows = parseRoundsCsv(readFileSync(FIXTURE, 'utf8'), 'field-oeg.csv');
  const options = { heapMaxBytes: 4000 * MB, deployPeakFactor: 2 };

  // The fixture's middle rows (400, 500) are invented (see its comments); the field readings alone
  // (120, 280, 470 MB, 200 MB after the restart, 2100 MB at 540) do not fit one rate of kept
  // configurations with them. The engine must not call that healthy, and says why.
  it('is not called healthy: no candidate fits the mixed field and invented rows, and it says which row', () => {
    const a = analyzeRounds(rows, options);
    expect(a.verdict.kind).toBe('inconclusive');
    expect(a.verdict.reasons.find((r) => r.rule === 'lack-of-fit')?.answer).toBe('misfit');
    expect(a.verdict.needs.join(' ')).toMatch(/row #\d+ \(\d+ services\)/);
    // Memory × 2 reaches the 4000 MB heap in the reading at 540 (2100 MB): the deploy after it fails.
    expect(a.estimates.prediction.reachedInData).toBe(true);
    expect(a.predictedOomServices).toBe(580);
    expect(a.heapMaxBytes).toBe(4000 * MB);
    expect(a.deployPeakFactor).toBe(2);
    expect(a.estimates.deployPeakFactor.source).toBe('option');
  });

  it('from the rows up to 450 services: not healthy, and kept configurations are in the projection', () => {
    const a = analyzeRounds(
      rows.filter((r) => r.services <= 450),
      options,
    );
    expect(a.verdict.kind).not.toBe('healthy');
    expect(a.estimates.prediction.reachedInData).toBe(false);
    expect(a.estimates.prediction.model).toBe('linear+retained-configs');
    // Far below the ~1,950 a live-only projection gives.
    expect(a.predictedOomServices).toBeLessThan(1000);
    expect(a.predictedOomInterval![0]!).toBeLessThan(a.predictedOomServices!);
  });

  it('gives no prediction without a heap max', () => {
    const a = analyzeRounds(rows);
    expect(a.predictedOomServices).toBeNull();
    expect(a.estimates.prediction.note).toMatch(/--heap-max/);
  });

  it('through the CLI: a summary on stdout, and exit code 3 only with --fail-on inconclusive', async () => {
    const r = await gwscale(['analyze', '--from-csv', FIXTURE, '--heap-max', '4000MB', '--deploy-peak-factor', '2']);
    expect(r.code).toBe(ExitCode.Ok);
    expect(r.stdout).toMatch(/^verdict: INCONCLUSIVE/m);
    expect(r.stdout).toMatch(/out of memory at: +~580 services/);
    expect(r.stderr).toBe('');
    expect((await gwscale(['analyze', '--from-csv', FIXTURE, '--fail-on', 'inconclusive,leak'])).code).toBe(ExitCode.Leak);
  });

  it('through the CLI with --json: only the analysis JSON on stdout, identical on a second run', async () => {
    const first = await gwscale(['analyze', '--from-csv', FIXTURE, '--heap-max', '4000MB', '--deploy-peak-factor', '2', '--json']);
    const second = await gwscale(['analyze', '--from-csv', FIXTURE, '--heap-max', '4000MB', '--deploy-peak-factor', '2', '--json']);
    expect(first.code).toBe(ExitCode.Ok);
    expect(first.stdout).toBe(second.stdout);
    const parsed = JSON.parse(first.stdout) as Analysis;
    expect(parsed.verdict.kind).toBe('inconclusive');
    expect(parsed.rounds).toHaveLength(7);
  });

  it('through the CLI: a bad CSV is one line naming the line, exit code 6; bad flags exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gwscale-analysis-'));
    tempDirs.push(dir);
    const bad = join(dir, 'field.csv');
    writeFileSync(bad, 'services,memory_mb\n100,120\n200,280\n300,470\n400,690\n500,1330\n540,abc\n');
    const r = await gwscale(['analyze', '--from-csv', bad]);
    expect(r.code).toBe(ExitCode.Input);
    expect(r.stderr).toBe(
      `gwscale: ${bad}:7: memory_mb is 'abc', expected a number ≥ 0\n  hint: fix the value or leave the cell empty where the column is optional\n`,
    );
    expect(r.stdout).toBe('');
    expect((await gwscale(['analyze', '--from-csv', FIXTURE, '--heap-max', 'lots'])).code).toBe(ExitCode.Usage);
    expect((await gwscale(['analyze'])).code).toBe(ExitCode.Usage);
  });
});

describe('gwscale analyze RUN_DIR', () => {
  function runDir(settings: Record<string, unknown>, retainedPerSupersededServiceBytes: number): string {
    const dir = mkdtempSync(join(tmpdir(), 'gwscale-analysis-run-'));
    tempDirs.push(dir);
    const rounds = rowsOf(
      simulate({ ...HEALTHY, retainedPerSupersededServiceBytes }, { services: 800, batch: 100, restartAt: [400], redeploys: 4 }),
      { afterGc: true },
      5,
    );
    const records = [
      {
        type: 'run-start',
        schema: RUN_LOG_SCHEMA,
        at: '2026-01-01T00:00:00.000Z',
        harnessVersion: '0.1.0',
        nodeVersion: 'v20',
        target: 'reference',
        profile: 'x',
        settings,
      },
      ...rounds.map((round) => ({ type: 'round', round })),
    ];
    writeFileSync(join(dir, 'run.jsonl'), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    return dir;
  }

  it('takes the heap max from the run settings, and --heap-max wins over it', () => {
    const dir = runDir({ gatewayHeapMb: 256 }, 30 * KiB);
    const a = analyze({ runDir: dir }).analysis;
    expect(a.verdict.kind).toBe('leak');
    expect(a.heapMaxBytes).toBe(256 * MB);
    expect(a.estimates.heapMax.source).toBe('run-settings');
    expect(a.predictedOomServices).not.toBeNull();
    expect(analyze({ runDir: dir, heapMaxBytes: 512 * MB }).analysis.estimates.heapMax.source).toBe('option');
  });

  it('through the CLI: healthy exits 0, leak exits 3', async () => {
    expect((await gwscale(['analyze', runDir({}, 0)])).code).toBe(ExitCode.Ok);
    const leak = await gwscale(['analyze', runDir({ gatewayHeapMb: 256 }, 30 * KiB), '--json']);
    expect(leak.code).toBe(ExitCode.Leak);
    expect((JSON.parse(leak.stdout) as Analysis).heapMaxBytes).toBe(256 * MB);
  });

  it('a missing folder is an input error', async () => {
    const r = await gwscale(['analyze', '/nonexistent/run']);
    expect(r.code).toBe(ExitCode.Input);
    expect(r.stderr).toMatch(/^gwscale: \/nonexistent\/run: cannot read/);
  });
});

describe('a real out-of-memory crash, recorded (fixtures/csv/reference-retain-configs-96mib.csv)', () => {
  const file = new URL('../fixtures/csv/reference-retain-configs-96mib.csv', import.meta.url).pathname;
  const rows = parseRoundsCsv(readFileSync(file, 'utf8'), 'reference-retain-configs-96mib.csv');

  it('predicts the crash at 400 exactly from the rounds up to 300, counting what registration adds before each deploy', () => {
    const crash = rows.find((r) => r.event === 'crash');
    expect(crash?.services).toBe(400);
    const a = analyzeRounds(
      rows.filter((r) => r.event !== 'crash' && r.services <= 300),
      { heapMaxBytes: 96 * 1024 * 1024 },
    );
    expect(a.verdict.kind).toBe('leak');
    // Registering a round of 50 adds 6-10 MiB before its deploy: without it the point was 450.
    expect(a.estimates.prediction.registrationBytesPerService! / 1024).toBeGreaterThan(120);
    expect(a.estimates.prediction.registrationBytesPerService! / 1024).toBeLessThan(210);
    expect(a.predictedOomServices).toBe(400);
    const [low, high] = a.predictedOomInterval!;
    expect(low!).toBeLessThan(400);
    expect(high!).toBeGreaterThan(400);
  });
});
