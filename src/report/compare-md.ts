/** The comparison as Markdown (a pull-request comment) and as plain text (the terminal). */
import type { Comparison } from './compare.js';
import { compareRows, thresholdText } from './compare-rows.js';
import { mdTable, mdText } from './markdown.js';

const ICON: Readonly<Record<Comparison['conclusion']['kind'], string>> = { better: '✅', worse: '⚠️', mixed: '⚠️', 'no-difference': '➖', inconclusive: '❔' };

/** Renders the comparison for a pull-request comment. */
export function renderCompareMarkdown(c: Comparison): string {
  const head = `## gwscale compare: ${c.regression ? '❌ regression' : `${ICON[c.conclusion.kind]} ${c.conclusion.kind}`}`;
  const rows = compareRows(c).map((r) => [r.label, r.a, r.b, r.change, r.beyondNoise]);
  return [
    head,
    '',
    `**A** ${mdText(c.a.label)} (${mdText(c.a.gatewayVersion ?? 'version unknown')}) · **B** ${mdText(c.b.label)} (${mdText(c.b.gatewayVersion ?? 'version unknown')})`,
    '',
    mdText(c.conclusion.text),
    '',
    ...(c.regression ? [...c.regressionReasons.map((r) => `- **Regression:** ${mdText(r)}`), ''] : []),
    mdTable(['', 'A', 'B', 'change', 'beyond noise'], rows),
    '',
    `<sub>${mdText(thresholdText(c))}. ${mdText(c.method)}</sub>`,
    '',
  ].join('\n');
}

/** Renders the comparison for a terminal: the conclusion, then aligned columns. */
export function renderCompareText(c: Comparison): string {
  const rows = compareRows(c);
  const table = [['', 'A', 'B', 'change', 'beyond noise'], ...rows.map((r) => [r.label, r.a, r.b, r.change, r.beyondNoise])];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => (row[i] ?? '').length)));
  const lines = table.map((row) =>
    row
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  );
  return [
    `A: ${c.a.label} (${c.a.gatewayVersion ?? 'version unknown'})`,
    `B: ${c.b.label} (${c.b.gatewayVersion ?? 'version unknown'})`,
    '',
    c.conclusion.text,
    ...(c.regression ? ['', ...c.regressionReasons.map((r) => `REGRESSION: ${r}`)] : []),
    '',
    ...lines,
    '',
  ].join('\n');
}
