import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderRunFolder } from '../src/api/report.js';
import { parseRoundsCsv } from '../src/analysis/rounds-csv.js';
import { main } from '../src/cli/main.js';
import { ExitCode } from '../src/exit-codes.js';
import { syntheticRunLog, writeRunFolder } from './report-fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'gwscale-report-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const HOSTILE = '<img src=x onerror="alert(1)">svc|`x`';

async function cli(argv: string[]): Promise<{ code: ExitCode; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

describe('run folder rendering', () => {
  const retain = writeRunFolder(join(root, 'retain'), syntheticRunLog({ profile: 'retain-configs', hostileName: HOSTILE }));
  const first = renderRunFolder(retain);
  const bytes = readFileSync(first.files.json);

  it('writes report.json, report.html, report.md and rounds.csv', () => {
    for (const name of ['report.json', 'report.html', 'report.md', 'rounds.csv']) expect(existsSync(join(retain, name))).toBe(true);
    expect(first.report.verdict.kind).toBe('leak');
  });

  it('re-renders report.json byte for byte, and every other file too', () => {
    const others = ['report.html', 'report.md', 'rounds.csv'].map((n) => readFileSync(join(retain, n), 'utf8'));
    renderRunFolder(retain);
    expect(readFileSync(first.files.json).equals(bytes)).toBe(true);
    expect(['report.html', 'report.md', 'rounds.csv'].map((n) => readFileSync(join(retain, n), 'utf8'))).toEqual(others);
  });

  it('gwscale report RUN_DIR --json prints the same report.json', async () => {
    const r = await cli(['report', retain, '--json']);
    expect(r.code).toBe(ExitCode.Ok);
    expect(r.out).toBe(bytes.toString('utf8'));
    const listed = await cli(['report', retain]);
    expect(listed.out).toContain(join(retain, 'report.html'));
    expect(listed.out).toContain('verdict: leak');
  });

  it('names a missing run log in one line', async () => {
    const r = await cli(['report', join(root, 'nowhere')]);
    expect(r.code).toBe(ExitCode.Input);
    expect(r.err).toMatch(/nowhere\/run\.jsonl: cannot read the run log/);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('writes rounds.csv that reads back into the same rows', () => {
    const rows = parseRoundsCsv(readFileSync(first.files.csv, 'utf8'), 'rounds.csv');
    expect(rows.length).toBe(first.report.rounds.length);
    rows.forEach((row, i) => {
      const r = first.report.rounds[i]!;
      expect(row).toMatchObject({
        index: r.index,
        event: r.event,
        services: r.services,
        memoryBytes: r.memoryBytes,
        peakBytes: r.peakBytes,
        deployMs: r.deployMs,
      });
    });
  });

  it('escapes data in report.html and uses no script or remote resource', () => {
    const html = readFileSync(first.files.html, 'utf8');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(?:src|href)=["']?(?:https?:)?\/\//i);
    expect(html).toContain("default-src 'none'");
  });

  it('draws memory vs services with the measured rows, restarts, redeploys, peaks and limits', () => {
    const html = readFileSync(first.files.html, 'utf8');
    const figure = /<figure class="chart" id="chart-memory" data-series="(\d+)" data-points="([\d,]+)">/.exec(html);
    expect(figure).not.toBeNull();
    const keys = [
      ...html
        .slice(html.indexOf('id="chart-memory"'), html.indexOf('id="chart-timeline"'))
        .matchAll(/<g class="series[^"]*" data-key="([^"]+)" data-points="(\d+)"/g),
    ].map((m) => [m[1], Number(m[2])]);
    const deployRows = first.report.rounds.filter((r) => r.role !== 'load' && r.role !== 'crash');
    expect(Object.fromEntries(keys)).toMatchObject({
      memory: deployRows.length,
      rss: deployRows.filter((r) => r.rssBytes !== null).length,
      'deploy-peak': deployRows.filter((r) => r.peakBytes !== null).length,
      restart: 1,
      redeploy: 4,
      'heap-max': 1,
    });
    expect(Number(figure![1])).toBe(keys.length);
  });

  it('shows a crash: callout, marker, escaped stderr tail', () => {
    const dir = writeRunFolder(join(root, 'crash'), syntheticRunLog({ profile: 'retain-configs', restartAt: [], crashAt: 700, hostileName: HOSTILE }));
    const { report, files } = renderRunFolder(dir);
    expect(report.state).toBe('crashed');
    const html = readFileSync(files.html, 'utf8');
    expect(html).toContain('The gateway crashed');
    expect(html).toContain('data-key="crash" data-points="1"');
    expect(html).toContain('JavaScript heap out of memory');
    expect(html).not.toContain('<img');
    const md = readFileSync(files.markdown, 'utf8');
    expect(md).toContain('**The gateway crashed**');
  });

  it('draws memory vs concurrency when there were traffic steps', () => {
    const dir = writeRunFolder(join(root, 'pool'), syntheticRunLog({ profile: 'operation-pool' }));
    const { report, files } = renderRunFolder(dir);
    expect(report.verdict.kind).toBe('concurrency-retention');
    const html = readFileSync(files.html, 'utf8');
    expect(html).toMatch(/<figure class="chart" id="chart-concurrency" data-series="2" data-points="6,6">/);
  });

  it('writes a Markdown summary with the verdict, key numbers and rules', () => {
    const md = readFileSync(first.files.markdown, 'utf8');
    expect(md).toMatch(/^## gwscale: ❌ leak — reference\/retain-configs/);
    expect(md).toContain('| Memory per service |');
    expect(md).toContain('retention (decided)');
    expect(md).not.toContain('<img');
  });
});
