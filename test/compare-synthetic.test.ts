import { mkdtempSync, readFileSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compareRuns } from '../src/api/compare.js';
import { renderRunFolder } from '../src/api/report.js';
import { main } from '../src/cli/main.js';
import { ExitCode } from '../src/exit-codes.js';
import { syntheticRunLog, writeRunFolder } from './report-fixtures.js';

const KiB = 1024;
const root = mkdtempSync(join(tmpdir(), 'gwscale-compare-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const healthy1 = writeRunFolder(join(root, 'healthy-1'), syntheticRunLog({ profile: 'healthy', seed: 11 }));
const healthy2 = writeRunFolder(join(root, 'healthy-2'), syntheticRunLog({ profile: 'healthy', seed: 23 }));
const retain = writeRunFolder(join(root, 'retain'), syntheticRunLog({ profile: 'retain-configs', seed: 5 }));
const heavier = writeRunFolder(join(root, 'heavier'), syntheticRunLog({ profile: 'healthy', seed: 31, perServiceBytes: 220 * KiB }));
const lighter = writeRunFolder(join(root, 'lighter'), syntheticRunLog({ profile: 'healthy', seed: 37, perServiceBytes: 100 * KiB }));

async function cli(argv: string[]): Promise<{ code: ExitCode; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

describe('compare', () => {
  it('says a healthy B is better than a retain-configs A, and exits 0', async () => {
    const r = compareRuns(retain, healthy1, { out: join(root, 'out-1') });
    expect(r.comparison.verdict).toMatchObject({ a: 'leak', b: 'healthy', direction: 'better' });
    expect(r.comparison.conclusion.kind).toBe('better');
    expect(r.comparison.conclusion.text).toMatch(/^B is better than A\. .*B no longer leaks/);
    expect(r.comparison.regression).toBe(false);
    expect(r.gate.exitCode).toBe(ExitCode.Ok);
    expect(existsSync(join(root, 'out-1', 'compare.html'))).toBe(true);
    const cliRun = await cli(['compare', retain, healthy1, '--out', join(root, 'out-1')]);
    expect(cliRun.code).toBe(ExitCode.Ok);
  });

  it('calls the reverse a regression and exits 8', async () => {
    const r = compareRuns(healthy1, retain, { out: join(root, 'out-2') });
    expect(r.comparison.verdict.newLeak).toBe(true);
    expect(r.comparison.regression).toBe(true);
    expect(r.comparison.regressionReasons.join(' ')).toMatch(/B leaks; A did not/);
    expect(r.gate.exitCode).toBe(ExitCode.Regression);
    const cliRun = await cli(['compare', healthy1, retain, '--out', join(root, 'out-2')]);
    expect(cliRun.code).toBe(ExitCode.Regression);
    expect(cliRun.out).toContain('REGRESSION');
  });

  it('finds no difference beyond noise between two healthy runs', () => {
    const r = compareRuns(healthy1, healthy2, { out: join(root, 'out-3') });
    expect(r.comparison.perService.direction).toBe('no-difference');
    expect(r.comparison.conclusion.kind).toBe('no-difference');
    expect(r.comparison.conclusion.text).toMatch(/^No difference beyond noise/);
    expect(r.gate.exitCode).toBe(ExitCode.Ok);
  });

  it('quantifies a per-service change with a Fieller interval', () => {
    const better = compareRuns(heavier, lighter, { out: join(root, 'out-4') }).comparison;
    expect(better.perService.direction).toBe('better');
    const [lo, hi] = better.perService.ratioCi95!;
    expect(lo).toBeLessThan(better.perService.ratio!);
    expect(hi).toBeGreaterThan(better.perService.ratio!);
    expect(hi).toBeLessThan(1);
    expect(better.perService.text).toMatch(/^B holds \d+(\.\d+)?% less memory per service than A \(95% CI \d+(\.\d+)?%–\d+(\.\d+)?%/);
    const worse = compareRuns(lighter, heavier, { out: join(root, 'out-4') });
    expect(worse.comparison.perService).toMatchObject({ direction: 'worse', regression: true, beyondNoise: true });
    expect(worse.gate.exitCode).toBe(ExitCode.Regression);
  });

  it('lets --max-regression allow a known increase', () => {
    const r = compareRuns(lighter, heavier, { out: join(root, 'out-5'), maxRegression: 2 });
    expect(r.comparison.perService.direction).toBe('worse');
    expect(r.comparison.regression).toBe(false);
    expect(r.gate.exitCode).toBe(ExitCode.Ok);
  });

  it('reads report.json files and writes compare.html next to B', () => {
    renderRunFolder(retain);
    renderRunFolder(healthy1);
    const r = compareRuns(join(retain, 'report.json'), join(healthy1, 'report.json'));
    expect(r.files.html).toBe(join(healthy1, 'compare.html'));
    expect(r.comparison.conclusion.kind).toBe('better');
    const html = readFileSync(r.files.html, 'utf8');
    expect(html).toMatch(/<figure class="chart" id="chart-compare-memory" data-series="\d+"/);
    expect(html).toContain('data-key="memory-a"');
    expect(html).toContain('data-key="memory-b"');
    expect(html).not.toMatch(/<script/i);
  });

  it('rejects a report.json of another schema version in one line', async () => {
    const file = join(root, 'old-report.json');
    writeFileSync(file, JSON.stringify({ schemaVersion: 99 }));
    const r = await cli(['compare', file, healthy1]);
    expect(r.code).toBe(ExitCode.Input);
    expect(r.err).toContain('old-report.json: report schema 99, but this gwscale reads schema 1');
    expect(r.err).toContain('hint: re-render it');
  });

  it('rejects --json with --markdown', async () => {
    const r = await cli(['compare', healthy1, healthy2, '--json', '--markdown']);
    expect(r.code).toBe(ExitCode.Usage);
  });

  it('prints Markdown for a pull-request comment and JSON for machines', async () => {
    const md = await cli(['compare', retain, healthy1, '--markdown', '--out', join(root, 'out-6')]);
    expect(md.out).toMatch(/^## gwscale compare: ✅ better/);
    expect(md.out).toContain('| Memory per service |');
    const json = await cli(['compare', healthy1, retain, '--json', '--out', join(root, 'out-6')]);
    expect(json.code).toBe(ExitCode.Regression);
    const parsed = JSON.parse(json.out);
    expect(parsed.regression).toBe(true);
    expect(parsed.verdict).toMatchObject({ a: 'healthy', b: 'leak' });
  });

  it("writes JUnit XML with the comparison and B's own gates", async () => {
    const file = join(root, 'compare-junit.xml');
    const r = await cli(['compare', healthy1, retain, '--junit', file, '--fail-on', 'leak', '--out', join(root, 'out-7')]);
    expect(r.code).toBe(ExitCode.Regression);
    const xml = readFileSync(file, 'utf8');
    expect(xml).toContain('name="verdict: B does not leak where A did not"');
    expect(xml).toMatch(/<failure message="B leaks; A did not/);
    expect(xml).toContain('classname="gwscale.b.verdict"');
  });

  it("fails on B's verdict only when --fail-on asks", async () => {
    const plain = await cli(['compare', retain, retain, '--out', join(root, 'out-8')]);
    expect(plain.code).toBe(ExitCode.Ok);
    const gated = await cli(['compare', retain, retain, '--fail-on', 'leak', '--out', join(root, 'out-8')]);
    expect(gated.code).toBe(ExitCode.Leak);
  });
});

describe('compare set-up check', () => {
  it('says when the runs were not set up alike', () => {
    const small = writeRunFolder(join(root, 'small'), syntheticRunLog({ profile: 'healthy', services: 400, seed: 41 }));
    const r = compareRuns(healthy1, small, { out: join(root, 'out-9') });
    expect(r.comparison.settingsDiffer).toEqual(['services: 800 → 400']);
    expect(r.comparison.conclusion.text).toContain('The runs were not set up alike (services: 800 → 400)');
    expect(compareRuns(healthy1, healthy2, { out: join(root, 'out-9') }).comparison.settingsDiffer).toEqual([]);
  });
});
