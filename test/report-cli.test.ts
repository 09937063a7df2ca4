/** End to end: the `report` and `compare` commands of the compiled binary (bin/gwscale.js → dist/). */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../src/exit-codes.js';
import { gwscale } from './helpers/cli.js';
import { syntheticRunLog, writeRunFolder } from './report-fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'gwscale-report-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('gwscale report and compare (binary)', () => {
  const healthy = writeRunFolder(join(root, 'healthy'), syntheticRunLog({ profile: 'healthy' }));
  const retain = writeRunFolder(join(root, 'retain'), syntheticRunLog({ profile: 'retain-configs' }));

  it('report RUN_DIR writes the files and --json prints report.json byte for byte', async () => {
    const listed = await gwscale(['report', retain]);
    expect(listed.code).toBe(ExitCode.Ok);
    expect(listed.stdout).toContain(join(retain, 'report.html'));
    const json = await gwscale(['report', retain, '--json']);
    expect(json.code).toBe(ExitCode.Ok);
    expect(json.stdout).toBe(readFileSync(join(retain, 'report.json'), 'utf8'));
  });

  it('compare exits 0 when B is better and 8 when B regresses', async () => {
    const better = await gwscale(['compare', retain, healthy, '--out', join(root, 'c1')]);
    expect(better.code).toBe(ExitCode.Ok);
    expect(better.stdout).toContain('B is better than A.');
    expect(better.stderr).toContain(join(root, 'c1', 'compare.html'));
    const worse = await gwscale(['compare', healthy, retain, '--out', join(root, 'c2'), '--junit', join(root, 'c2', 'junit.xml')]);
    expect(worse.code).toBe(ExitCode.Regression);
    expect(readFileSync(join(root, 'c2', 'junit.xml'), 'utf8')).toContain('type="regression"');
  });

  it('a missing folder is one line and exit 6, without a stack trace', async () => {
    const r = await gwscale(['compare', join(root, 'nope'), healthy]);
    expect(r.code).toBe(ExitCode.Input);
    expect(r.stderr.trim().split('\n')).toHaveLength(2);
    expect(r.stderr).toContain('nope: no such file or folder');
  });
});
