/** compare.html: two runs side by side, both curves on one chart, and the conclusion in plain words. */
import type { Comparison, ComparedReport, Direction } from './compare.js';
import { compareMemoryChart, compareTimeChart } from './compare-charts.js';
import { compareRows, thresholdText } from './compare-rows.js';
import { escapeHtml } from './escape.js';
import { formatCount } from './format.js';
import { renderPage } from './page.js';
import { renderChart } from './svg-chart.js';

const e = escapeHtml;

const CONCLUSION_CLASS: Readonly<Record<Comparison['conclusion']['kind'], string>> = {
  better: 'good',
  worse: 'bad',
  mixed: 'warn',
  'no-difference': 'neutral',
  inconclusive: 'neutral',
};

const DIRECTION_CLASS: Readonly<Record<Direction, string>> = { better: 'good', worse: 'bad', 'no-difference': 'neutral', unknown: 'neutral' };
const DIRECTION_WORDS: Readonly<Record<Direction, string>> = { better: 'B better', worse: 'B worse', 'no-difference': 'no difference', unknown: 'cannot tell' };

export interface CompareSources {
  /** Where A and B were read from, as the user gave them. */
  readonly a: string;
  readonly b: string;
}

/** Renders compare.html. */
export function renderCompareHtml(c: Comparison, a: ComparedReport, b: ComparedReport, sources: CompareSources): string {
  const rows = compareRows(c)
    .map(
      (r) =>
        `<tr data-key="${e(r.key)}"><th scope="row">${e(r.label)}</th><td>${e(r.a)}</td><td>${e(r.b)}</td><td>${e(r.change)}</td><td>${e(r.beyondNoise)}</td><td><span class="badge ${DIRECTION_CLASS[r.direction]}">${e(DIRECTION_WORDS[r.direction])}</span></td></tr>`,
    )
    .join('');
  const side = (name: string, s: Comparison['a'], source: string): string =>
    `<tr><th scope="row">${name}</th><td>${e(s.label)}</td><td>${e(s.gatewayVersion ?? '—')}</td><td>${e(s.harnessVersion)}</td><td>${e(s.state)}</td><td class="num">${e(formatCount(s.maxServices))}</td><td><span class="badge v-${e(s.verdict)}">${e(s.verdict)}</span></td><td><code>${e(source)}</code></td></tr>`;
  const regression = c.regression
    ? `<div class="callout bad"><strong>Regression.</strong><ul>${c.regressionReasons.map((r) => `<li>${e(r)}</li>`).join('')}</ul></div>`
    : '';
  const charts = [compareMemoryChart(a, b), compareTimeChart(a, b)]
    .filter((s) => s.series.length > 0)
    .map(renderChart)
    .join('');
  const body = [
    '<header class="top">',
    `<div><h1>gwscale compare</h1><div class="subtitle">A: ${e(c.a.label)} (${e(c.a.gatewayVersion ?? 'version unknown')}) · B: ${e(c.b.label)} (${e(c.b.gatewayVersion ?? 'version unknown')})</div></div>`,
    `<span class="badge big ${CONCLUSION_CLASS[c.conclusion.kind]}" id="conclusion" data-conclusion="${e(c.conclusion.kind)}" data-regression="${c.regression}">${e(c.regression ? 'regression' : c.conclusion.kind)}</span>`,
    '</header>',
    `<p class="headline"><strong>${e(c.conclusion.headline)}</strong></p>`,
    `<ul class="findings">${c.conclusion.details.map((d) => `<li>${e(d)}</li>`).join('')}</ul>`,
    regression,
    '<h2>Side by side</h2>',
    `<div class="scroll"><table class="compare"><thead><tr><th></th><th>A</th><th>B</th><th>Change</th><th>Beyond noise</th><th></th></tr></thead><tbody>${rows}</tbody></table></div>`,
    `<p class="muted">Thresholds: ${e(thresholdText(c))}.</p>`,
    `<h2>Charts</h2><section class="charts">${charts}</section>`,
    '<h2>Runs</h2>',
    `<div class="scroll"><table><thead><tr><th></th><th>Run</th><th>Gateway</th><th>gwscale</th><th>State</th><th class="num">Services</th><th>Verdict</th><th>Read from</th></tr></thead><tbody>${side('A', c.a, sources.a)}${side('B', c.b, sources.b)}</tbody></table></div>`,
    `<h2>Method</h2><p>${e(c.method)}</p>`,
    '<footer>gwscale compare · A is the baseline, B the candidate; <code>gwscale compare A B</code> renders this again.</footer>',
  ].join('\n');
  return renderPage({ title: `gwscale compare · ${c.a.label} vs ${c.b.label} · ${c.conclusion.kind}`, body });
}
