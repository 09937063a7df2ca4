/**
 * Real runs of the reference gateway (spawned through the compiled CLI, on loopback): a
 * retain-configs run and a healthy run with the same settings. `compare` must call the healthy one
 * better (exit 0) and the reverse a regression (exit 8); `gwscale report` must reproduce each
 * report.json byte for byte; both pages must render in a real browser without errors or requests.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../src/exit-codes.js';
import { gwscale, stopAll, type CliResult } from './helpers/cli.js';

const root = mkdtempSync(join(tmpdir(), 'gwscale-real-compare-'));
// Eight redeploys: enough for the equivalence test to bound what a healthy deploy keeps.
const SETTINGS = ['--services', '300', '--batch', '100', '--restart-at', '200', '--redeploys', '8', '--gateway-heap-mb', '256'];

const retain = join(root, 'retain');
const healthy = join(root, 'healthy');
const runs: Record<string, CliResult> = {};
/** A run of 300 services with a restart and redeploys, on a shared machine. */
const RUN_TIMEOUT = { timeoutMs: 240_000 };
const QUICK = { timeoutMs: 60_000 };

beforeAll(async () => {
  // One after the other: two gateways at once would measure each other on two shared cores.
  runs.retain = await gwscale(['run', '--profile', 'retain-configs', ...SETTINGS, '--out', retain], RUN_TIMEOUT);
  runs.healthy = await gwscale(['run', '--profile', 'healthy', ...SETTINGS, '--out', healthy], RUN_TIMEOUT);
}, 600_000);

afterAll(async () => {
  await stopAll();
  rmSync(root, { recursive: true, force: true });
}, 60_000);

describe('compare on real reference-gateway runs', () => {
  it('ran both: retain-configs leaks (exit 3), healthy is healthy (exit 0)', () => {
    expect({ code: runs.retain?.code, tail: runs.retain?.stderr.slice(-400) }).toMatchObject({ code: ExitCode.Leak });
    expect({ code: runs.healthy?.code, tail: runs.healthy?.stderr.slice(-400) }).toMatchObject({ code: ExitCode.Ok });
    for (const dir of [retain, healthy]) for (const f of ['report.json', 'report.html', 'report.md', 'rounds.csv']) expect(existsSync(join(dir, f))).toBe(true);
  });

  it('gwscale report reproduces each report.json byte for byte', async () => {
    for (const dir of [retain, healthy]) {
      const before = readFileSync(join(dir, 'report.json'));
      const html = readFileSync(join(dir, 'report.html'), 'utf8');
      const r = await gwscale(['report', dir], QUICK);
      expect(r.code).toBe(ExitCode.Ok);
      expect(readFileSync(join(dir, 'report.json')).equals(before)).toBe(true);
      expect(readFileSync(join(dir, 'report.html'), 'utf8')).toBe(html);
    }
  });

  it('healthy B against retain-configs A: B is better, exit 0', async () => {
    const r = await gwscale(['compare', retain, healthy, '--json'], QUICK);
    expect(r.code).toBe(ExitCode.Ok);
    const c = JSON.parse(r.stdout);
    expect(c.conclusion.kind).toBe('better');
    expect(c.verdict).toMatchObject({ a: 'leak', direction: 'better' });
    expect(['healthy', 'bounded-retention']).toContain(c.verdict.b);
    expect(c.conclusion.text).toContain('B no longer leaks');
    expect(existsSync(join(healthy, 'compare.html'))).toBe(true);
  });

  it('reversed: a regression, exit 8', async () => {
    const r = await gwscale(['compare', healthy, retain, '--out', join(root, 'reverse'), '--junit', join(root, 'reverse', 'junit.xml')], QUICK);
    expect(r.code).toBe(ExitCode.Regression);
    expect(r.stdout).toContain('B leaks; A did not');
    expect(readFileSync(join(root, 'reverse', 'junit.xml'), 'utf8')).toMatch(/<failure message="B leaks; A did not/);
  });

  // Two real healthy runs, the second with other service names. Alone they agree to 0.1 % (B/A =
  // 1.001, 95 % CI 0.949–1.056); with the whole suite loading both cores, the live cost of the
  // two can land 5–10 % apart, beyond each run's own interval (three readings per point make it
  // narrow, and run-to-run variation under load is not in it). What must hold is that compare does
  // not call two healthy runs a regression, and that their live costs stay within 10 %.
  it('two healthy runs: no regression, live cost within 10 %, neither leaks', { timeout: 300_000 }, async () => {
    const again = join(root, 'healthy-2');
    const run = await gwscale(['run', '--profile', 'healthy', ...SETTINGS, '--seed', '2', '--out', again], RUN_TIMEOUT);
    expect(run.code).toBe(ExitCode.Ok);
    const r = await gwscale(['compare', healthy, again, '--json'], QUICK);
    expect(r.code).toBe(ExitCode.Ok);
    const c = JSON.parse(r.stdout);
    console.log(`two healthy runs: ${c.perService.text}`);
    expect(c.perService.regression).toBe(false);
    expect(Math.abs(c.perService.ratio - 1)).toBeLessThan(0.1);
    expect(c.verdict.a).not.toBe('leak');
    expect(c.verdict.b).not.toBe('leak');
  });

  it('the real pages render in a browser without errors or requests', async () => {
    const context = await chromium.launchPersistentContext(join(root, 'profile'), {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1200, height: 900 },
    });
    try {
      for (const [file, chart] of [
        [join(retain, 'report.html'), 'chart-memory'],
        [join(healthy, 'compare.html'), 'chart-compare-memory'],
      ] as const) {
        const page = await context.newPage();
        const problems: string[] = [];
        const url = pathToFileURL(file).href;
        page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
        page.on('pageerror', (e) => problems.push(e.message));
        page.on('request', (q) => q.url() !== url && problems.push(`request ${q.url()}`));
        await page.goto(url);
        const series = Number(await page.locator(`#${chart}`).getAttribute('data-series'));
        expect(series).toBeGreaterThanOrEqual(2);
        expect(await page.locator(`#${chart} g.series`).count()).toBe(series);
        await page.screenshot({ path: join(root, `${chart}.png`), fullPage: true });
        await page.close();
        expect(problems).toEqual([]);
      }
    } finally {
      await context.close();
    }
  });
});
