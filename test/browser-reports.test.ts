/**
 * report.html and compare.html in a real headless browser (Debian's chromium via playwright-core):
 * the charts render with the expected series and points, nothing logs an error, and the page
 * makes no request besides the file itself. Screenshots land in the test's temp folder.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareRuns } from '../src/api/compare.js';
import { renderRunFolder } from '../src/api/report.js';
import { syntheticRunLog, writeRunFolder } from './report-fixtures.js';

const CHROMIUM = '/usr/bin/chromium';
const root = mkdtempSync(join(tmpdir(), 'gwscale-browser-'));
let context: BrowserContext | null = null;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install it with \`bash .ci/system-packages chromium\``);
  context = await chromium.launchPersistentContext(join(root, 'profile'), {
    executablePath: CHROMIUM,
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
});

afterAll(async () => {
  await context?.close();
  rmSync(root, { recursive: true, force: true });
});

interface Problems {
  readonly errors: string[];
  readonly requests: string[];
}

/** Opens a file and records console errors, page errors, failed requests and every request. */
async function open(file: string, scheme: 'light' | 'dark' = 'light'): Promise<{ page: Page; problems: Problems }> {
  if (context === null) throw new Error('browser not started');
  const page = await context.newPage();
  await page.emulateMedia({ colorScheme: scheme });
  const problems: Problems = { errors: [], requests: [] };
  const url = pathToFileURL(file).href;
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.errors.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.errors.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.errors.push(`request failed: ${r.url()}`));
  page.on('request', (r) => {
    if (r.url() !== url) problems.requests.push(r.url());
  });
  await page.goto(url, { waitUntil: 'load' });
  return { page, problems };
}

/** The little of the DOM the page functions use (the project compiles without the DOM library). */
interface El {
  getAttribute(name: string): string | null;
  querySelectorAll(selector: string): ArrayLike<El>;
  querySelector(selector: string): El | null;
  readonly classList: { contains(name: string): boolean };
  readonly dataset: Record<string, string | undefined>;
  getBoundingClientRect(): { width: number };
}
interface PageGlobals {
  readonly document: { getElementById(id: string): El | null; readonly documentElement: El; readonly body: El };
  getComputedStyle(element: El): { backgroundColor: string };
  readonly __pwned?: number;
}

/** What a chart really drew: its declared metadata and, per series, the marks in the DOM. */
async function chartOf(page: Page, id: string): Promise<{ series: number; points: number[]; drawn: Record<string, number>; width: number }> {
  return page.evaluate((chartId) => {
    const { document } = globalThis as unknown as PageGlobals;
    const figure = document.getElementById(chartId);
    if (figure === null) throw new Error(`no chart ${chartId}`);
    const drawn: Record<string, number> = {};
    for (const g of Array.from(figure.querySelectorAll('svg.chart-svg g.series'))) {
      const key = g.getAttribute('data-key') ?? '?';
      const marks = g.querySelectorAll('.pt').length;
      // Path-only series: count the vertices of their line.
      const d = g.querySelector('.ln')?.getAttribute('d') ?? '';
      const vertices =
        g.classList.contains('style-hline') || g.classList.contains('style-vline') ? g.querySelectorAll('.ln').length : (d.match(/[ML]/g) ?? []).length;
      drawn[key] = marks > 0 ? marks : vertices;
    }
    return {
      series: Number(figure.dataset.series),
      points: (figure.dataset.points ?? '')
        .split(',')
        .filter((s) => s !== '')
        .map(Number),
      drawn,
      width: figure.querySelector('svg.chart-svg')?.getBoundingClientRect().width ?? 0,
    };
  }, id);
}

describe('report.html in a browser', () => {
  it('renders every chart with its series and points, logs nothing, requests nothing', async () => {
    const dir = writeRunFolder(join(root, 'retain'), syntheticRunLog({ profile: 'retain-configs', hostileName: '<script>window.__pwned = 1</script>' }));
    const { report, files } = renderRunFolder(dir);
    const { page, problems } = await open(files.html);
    const deployRows = report.rounds.filter((r) => r.role !== 'load' && r.role !== 'crash');
    const memory = await chartOf(page, 'chart-memory');
    expect(memory.width).toBeGreaterThan(600);
    expect(Object.keys(memory.drawn)).toHaveLength(memory.series);
    expect(Object.values(memory.drawn)).toEqual(memory.points);
    expect(memory.drawn).toMatchObject({
      memory: deployRows.length,
      restart: 1,
      redeploy: 4,
      'deploy-peak': deployRows.filter((r) => r.peakBytes !== null).length,
      'heap-max': 1,
    });
    const timeline = await chartOf(page, 'chart-timeline');
    expect(timeline.drawn.memory).toBe(report.rounds.filter((r) => r.role !== 'crash').length);
    const time = await chartOf(page, 'chart-time');
    expect(time.drawn.deploy).toBe(report.rounds.filter((r) => r.role === 'round' && r.deployMs !== null).length);
    expect(await page.locator('#verdict').getAttribute('data-verdict')).toBe('leak');
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).__pwned)).toBeUndefined();
    await page.screenshot({ path: join(root, 'report-light.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    const background = await page.evaluate(() => {
      const g = globalThis as unknown as PageGlobals;
      return g.getComputedStyle(g.document.documentElement).backgroundColor;
    });
    expect(background).toBe('rgb(13, 17, 23)');
    await page.screenshot({ path: join(root, 'report-dark.png'), fullPage: false });
    await page.emulateMedia({ media: 'print', colorScheme: 'dark' });
    const printed = await page.evaluate(() => {
      const g = globalThis as unknown as PageGlobals;
      return g.getComputedStyle(g.document.body).backgroundColor;
    });
    expect(printed).toBe('rgb(255, 255, 255)');
    const pdf = await page.pdf({ format: 'A4' });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    await page.close();
    expect(problems.errors).toEqual([]);
    expect(problems.requests).toEqual([]);
    expect(existsSync(join(root, 'report-light.png'))).toBe(true);
  });

  it('draws memory vs concurrency for traffic steps and the projection for a healthy run', async () => {
    const dir = writeRunFolder(join(root, 'pool'), syntheticRunLog({ profile: 'operation-pool' }));
    const { report, files } = renderRunFolder(dir);
    const { page, problems } = await open(files.html, 'dark');
    const load = await chartOf(page, 'chart-concurrency');
    expect(load.drawn['load-memory']).toBe(report.rounds.filter((r) => r.role === 'load').length);
    const memory = await chartOf(page, 'chart-memory');
    expect(memory.drawn.projection).toBeGreaterThan(1);
    expect(memory.drawn['predicted-oom']).toBe(1);
    await page.screenshot({ path: join(root, 'report-pool-dark.png'), fullPage: true });
    await page.close();
    expect(problems).toEqual({ errors: [], requests: [] });
  });
});

describe('compare.html in a browser', () => {
  it('shows both curves on one chart, logs nothing, requests nothing', async () => {
    const a = writeRunFolder(join(root, 'cmp-a'), syntheticRunLog({ profile: 'retain-configs', seed: 3 }));
    const b = writeRunFolder(join(root, 'cmp-b'), syntheticRunLog({ profile: 'healthy', seed: 4 }));
    const result = compareRuns(a, b);
    const { page, problems } = await open(result.files.html);
    const chart = await chartOf(page, 'chart-compare-memory');
    expect(Object.values(chart.drawn)).toEqual(chart.points);
    expect(chart.drawn['memory-a']).toBe(result.a.report.rounds.filter((r) => r.role !== 'load' && r.role !== 'crash').length);
    expect(chart.drawn['memory-b']).toBe(result.b.report.rounds.filter((r) => r.role !== 'load' && r.role !== 'crash').length);
    expect(chart.drawn['fit-a']).toBeGreaterThan(1);
    expect(await page.locator('#conclusion').getAttribute('data-conclusion')).toBe('better');
    await page.screenshot({ path: join(root, 'compare.png'), fullPage: true });
    await page.close();
    expect(problems).toEqual({ errors: [], requests: [] });
  });
});
