import { describe, expect, it } from 'vitest';
import { axisScale, niceStep } from '../src/report/axis-ticks.js';
import { escapeHtml, escapeXml } from '../src/report/escape.js';
import { renderJunit } from '../src/report/junit.js';
import { fiellerRatio, standardErrorOfInterval } from '../src/report/ratio-ci.js';
import { renderChart } from '../src/report/svg-chart.js';
import { formatBytesWithCi, formatMs, formatPercent } from '../src/report/format.js';

const MiB = 1024 ** 2;

describe('escaping', () => {
  it('turns markup from data into text', () => {
    expect(escapeHtml('<script>alert("x")</script> & \'q\'')).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;');
  });
  it('drops control characters XML 1.0 cannot hold', () => {
    expect(escapeXml('a\u0000b\u001bc\td\n')).toBe('abc\td\n');
  });
});

describe('axis ticks', () => {
  it('steps by 1, 2, 2.5 or 5 times a power of ten', () => {
    expect(niceStep(100, 5)).toBe(20);
    expect(niceStep(1, 4)).toBe(0.25);
    expect(niceStep(800, 8)).toBe(100);
    expect(niceStep(7, 5)).toBe(2);
  });
  it('labels byte axes in MiB or GiB at round values', () => {
    const s = axisScale('bytes', 0, 470 * MiB);
    expect(s.min).toBe(0);
    expect(s.max).toBeGreaterThanOrEqual(470 * MiB);
    expect(s.ticks.map((t) => s.label(t))).toEqual(['0 MiB', '100 MiB', '200 MiB', '300 MiB', '400 MiB', '500 MiB']);
    const g = axisScale('bytes', 0, 4 * 1024 * MiB);
    expect(g.ticks.map((t) => g.label(t))).toContain('4 GiB');
  });
  it('gives whole-number ticks for counts', () => {
    const s = axisScale('count', 0, 7, { target: 8 });
    expect(s.ticks.every((t) => Number.isInteger(t))).toBe(true);
    expect(s.ticks.map((t) => s.label(t))).toEqual(['0', '1', '2', '3', '4', '5', '6', '7']);
  });
});

describe('formatting', () => {
  it('reads like a person wrote it', () => {
    expect(formatPercent(0.3821)).toBe('38.2%');
    expect(formatMs(850)).toBe('850 ms');
    expect(formatMs(12_340)).toBe('12.3 s');
    expect(formatBytesWithCi(1.5 * MiB, [1.25 * MiB, 1.75 * MiB])).toBe('1.50 MiB (95% CI 1.25 MiB – 1.75 MiB)');
    expect(formatBytesWithCi(null, null)).toBe('—');
  });
});

describe('SVG chart', () => {
  const svg = renderChart({
    id: 'chart-t',
    title: 'Memory <vs> services',
    x: { label: 'services', unit: 'count' },
    y: { label: 'memory', unit: 'bytes' },
    series: [
      {
        key: 'heap',
        label: 'heap after GC',
        style: 'line',
        color: 'heap',
        points: [
          { x: 0, y: 10 * MiB, note: '<b>svc</b>' },
          { x: 100, y: 20 * MiB },
          { x: 200, y: 30 * MiB },
        ],
      },
      { key: 'peak', label: 'deploy peak', style: 'markers', marker: 'triangle', color: 'peak', points: [{ x: 100, y: 40 * MiB }] },
      {
        key: 'fit',
        label: 'fit',
        style: 'dashed',
        color: 'fit',
        points: [
          { x: 0, y: 10 * MiB },
          { x: 400, y: 50 * MiB },
        ],
      },
      { key: 'max', label: 'heap max', style: 'hline', color: 'heapmax', endLabel: 'heap max', points: [{ x: 0, y: 60 * MiB }] },
    ],
  });
  it('says how many series and points it drew', () => {
    expect(svg).toMatch(/<figure class="chart" id="chart-t" data-series="4" data-points="3,1,2,1">/);
    // 3 heap points + 1 peak marker, plus one marker in each of their two legend swatches.
    expect(svg.match(/class="pt"/g)?.length).toBe(6);
  });
  it('escapes titles and point notes', () => {
    expect(svg).toContain('Memory &lt;vs&gt; services');
    expect(svg).toContain('<title>&lt;b&gt;svc&lt;/b&gt;</title>');
    expect(svg).not.toContain('<b>');
  });
  it('stretches the axes to hold every series', () => {
    expect(svg).toContain('>60 MiB<');
    expect(svg).toContain('>400<');
  });
  it('renders the same bytes twice', () => {
    const again = renderChart({ id: 'x', title: 't', x: { label: 'a', unit: 'count' }, y: { label: 'b', unit: 'ms' }, series: [] });
    expect(again).toBe(renderChart({ id: 'x', title: 't', x: { label: 'a', unit: 'count' }, y: { label: 'b', unit: 'ms' }, series: [] }));
  });
});

describe('JUnit XML', () => {
  const xml = renderJunit({
    name: 'gwscale run reference/<x>',
    properties: { verdict: 'leak', version: null },
    cases: [
      { classname: 'gwscale.verdict', name: 'verdict', outcome: 'failed', message: 'verdict leak', detail: 'a & b', failureType: 'leak' },
      { classname: 'gwscale.thresholds', name: 'per service', outcome: 'skipped', message: 'no estimate' },
      { classname: 'gwscale.rules', name: 'rule', outcome: 'passed' },
    ],
  });
  it('counts tests, failures and skips', () => {
    expect(xml).toContain('<testsuites name="gwscale" tests="3" failures="1" errors="0" skipped="1">');
    expect(xml).toContain('<testsuite name="gwscale run reference/&lt;x&gt;" tests="3" failures="1" errors="0" skipped="1">');
    expect(xml).toContain('<failure message="verdict leak" type="leak">a &amp; b</failure>');
    expect(xml).toContain('<skipped message="no estimate"/>');
    expect(xml).toContain('<testcase classname="gwscale.rules" name="rule"/>');
  });
  it('leaves null properties out', () => {
    expect(xml).toContain('<property name="verdict" value="leak"/>');
    expect(xml).not.toContain('name="version"');
  });
});

describe("Fieller's ratio interval", () => {
  it('reduces to b/a ± t·se_b/a when a is exact', () => {
    const r = fiellerRatio({ value: 2, standardError: 0, dof: Infinity }, { value: 3, standardError: 0.5, dof: Infinity });
    expect(r.kind).toBe('bounded');
    if (r.kind !== 'bounded') return;
    expect(r.ratio).toBe(1.5);
    expect(r.lower).toBeCloseTo(1.5 - (1.959964 * 0.5) / 2, 5);
    expect(r.upper).toBeCloseTo(1.5 + (1.959964 * 0.5) / 2, 5);
  });
  it('matches the closed form for a textbook case', () => {
    // a = 10 ± 1, b = 5 ± 1: the limits are the roots of (5 − 10r)² = z²(1 + r²), i.e.
    // r = [50 ∓ √(2500 − (100 − z²)(25 − z²))] / (100 − z²) = 0.2956 and 0.7443, asymmetric about 0.5.
    const r = fiellerRatio({ value: 10, standardError: 1, dof: Infinity }, { value: 5, standardError: 1, dof: Infinity });
    if (r.kind !== 'bounded') throw new Error('expected bounded');
    const z2 = 1.959964 ** 2;
    for (const x of [r.lower, r.upper]) expect((5 - x * 10) ** 2).toBeCloseTo(z2 * (1 + x * x), 4);
    expect(r.lower).toBeCloseTo(0.2956, 3);
    expect(r.upper).toBeCloseTo(0.7443, 3);
    expect(0.5 - r.lower).toBeLessThan(r.upper - 0.5);
  });
  it('says unbounded when the denominator could be zero', () => {
    expect(fiellerRatio({ value: 1, standardError: 1, dof: Infinity }, { value: 5, standardError: 1, dof: Infinity }).kind).toBe('unbounded');
  });
  it('recovers a standard error from its interval', () => {
    expect(standardErrorOfInterval(8, 12, Infinity)).toBeCloseTo(2 / 1.959964, 5);
    expect(standardErrorOfInterval(8, 12, 10)).toBeCloseTo(2 / 2.228139, 5);
  });
});
