/**
 * A plugin target: test/fixtures/plugin-target/caddy-target.ts is written only against the types
 * gwscale publishes (`import type … from 'gwscale'`, resolved through package.json `exports` to
 * dist/api/index.d.ts). It is type-checked and compiled on its own here, then run end to end with
 * `gwscale run --target ./path.js` against a real Caddy.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../src/exit-codes.js';
import { run, runConfigOf } from '../src/api/index.js';
import { gwscale, smallRunArgs, stopAll } from './helpers/cli.js';
import { tempDir } from './helpers/temp-dir.js';

const dir = tempDir('gwscale-plugin-');
const source = fileURLToPath(new URL('./fixtures/plugin-target/caddy-target.ts', import.meta.url));
afterAll(stopAll);

/** Type-checks and compiles the plugin alone, as its author's own build would; returns the JS file. */
function compilePlugin(): string {
  const program = ts.createProgram([source], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    noUncheckedIndexedAccess: true,
    types: ['node'],
    skipLibCheck: true,
    outDir: dir,
    rootDir: join(source, '..'),
  });
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...program.emit().diagnostics];
  expect(diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))).toEqual([]);
  // The published types are where `gwscale` resolved: the plugin depends on nothing else of gwscale.
  const resolved = program
    .getSourceFiles()
    .map((f) => f.fileName)
    .filter((f) => f.includes('/dist/api/'));
  expect(resolved.some((f) => f.endsWith('/dist/api/index.d.ts'))).toBe(true);
  return join(dir, 'caddy-target.js');
}

describe('a plugin target written against the published types', () => {
  it('compiles on its own and runs end to end through --target ./path.js', async () => {
    const plugin = compilePlugin();
    expect(readFileSync(plugin, 'utf8')).not.toMatch(/^import .* from 'gwscale'/m);
    const out = join(dir, 'run');
    const result = await gwscale(smallRunArgs(`./${'caddy-target.js'}`, out, ['--verify', 'all']), { cwd: dir, timeoutMs: 90_000 });
    expect(result.stderr).toContain('verdict:');
    expect([ExitCode.Ok, ExitCode.Leak], result.stderr).toContain(result.code);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { target: string; rounds: { services: number; memorySource: string }[] };
    expect(report.target).toBe(plugin);
    expect(report.rounds.map((r) => r.services)).toEqual([0, 10, 20, 20]);
    expect(report.rounds.every((r) => r.memorySource === 'plugin-go-heap-after-gc')).toBe(true);
    const log = readFileSync(join(out, 'run.jsonl'), 'utf8');
    // Every service answered through Caddy with the plugin's policy applied, and the listing matched.
    expect(log).toMatch(/"type":"verify","services":20,"checked":20,"failed":0/);
    expect(log).not.toMatch(/"matches":false/);
  }, 120_000);

  it('the typed API takes the same factory directly: run(config, { adapterFactory })', async () => {
    const { default: factory } = await import('./fixtures/plugin-target/caddy-target.js');
    const out = join(dir, 'api-run');
    const result = await run(runConfigOf({ target: 'plugin-caddy', services: 10, batch: 10, readings: 1, verify: 'all' }, out), { adapterFactory: factory });
    // A failed run says why in the assertion, not only that it failed.
    // (An Error's message and hint are not enumerable, so JSON.stringify alone would drop them.)
    const why = result.error === null ? '' : `${result.error.message}${result.error.hint ? ` (hint: ${result.error.hint})` : ''}`;
    expect(result.state, result.state === 'completed' ? '' : why).toBe('completed');
    expect(result.reports.report.rounds.map((r) => r.services)).toEqual([0, 10]);
    expect(result.reports.report.verification).toEqual({ checked: 10, failed: 0 });
  }, 120_000);

  it('a module that exports no factory gets one line saying what to export', async () => {
    writeFileSync(join(dir, 'not-a-plugin.mjs'), 'export const notAFactory = 42;\n');
    const result = await gwscale(['run', '--target', './not-a-plugin.mjs', '--services', '10', '--batch', '10', '--out', join(dir, 'bad')], {
      cwd: dir,
      timeoutMs: 30_000,
    });
    expect(result.code).toBe(ExitCode.Usage);
    expect(result.stderr.split('\n')[0]).toBe(`gwscale: --target ${join(dir, 'not-a-plugin.mjs')}: the module exports no adapter factory`);
  }, 60_000);
});
