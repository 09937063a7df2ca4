/**
 * report.md: the run in the size of a pull-request comment or a ticket — verdict, key numbers,
 * every rule's answer in one line, and a small table of rounds.
 */
import { formatBytes, formatCount, formatMs } from './format.js';
import { keyNumbers } from './key-numbers.js';
import { mdTable, mdText } from './markdown.js';
import { runShape } from './report-html.js';
import type { Report } from './build.js';
import { deployRowsOf, runLabel } from './report-view.js';
import { ANSWER_WORDS } from './verdict-words.js';

/** Rows shown in the small table before the middle is elided. */
const MAX_TABLE_ROWS = 16;

const VERDICT_ICON: Readonly<Record<string, string>> = {
  healthy: '✅',
  leak: '❌',
  'bounded-retention': '⚠️',
  'concurrency-retention': '❌',
  inconclusive: '❔',
};

/** `2`, or `2 (3 during the deploy)` when traffic ran through the deploy; the gateway's process tree. */
function processesCell(extra: Readonly<Record<string, number>> | undefined): string {
  const after = extra?.processes;
  const during = extra?.deployProcesses;
  const duringText = during === undefined ? '' : `${formatCount(during)} during the deploy`;
  if (after === undefined) return duringText;
  return during === undefined ? formatCount(after) : `${formatCount(after)} (${duringText})`;
}

/** Renders report.md for a run. */
export function renderReportMarkdown(report: Report): string {
  const v = report.verdict;
  const lines: string[] = [];
  lines.push(`## gwscale: ${VERDICT_ICON[v.kind] ?? ''} ${v.kind} — ${mdText(runLabel(report))}`, '');
  lines.push(`**Verdict:** ${mdText(v.summary)}`, '');
  lines.push(`${mdText(report.gateway.version ?? 'gateway version unknown')} · ${mdText(runShape(report))} · gwscale ${mdText(report.tool.version)}`, '');
  if (report.crash !== null)
    lines.push(
      `> **The gateway crashed** during ${mdText(report.crash.phase)} at ${formatCount(report.crash.services)} services: ${mdText(report.crash.stderrTail.filter((l) => l.trim() !== '').slice(-1)[0] ?? 'no output')}`,
      '',
    );
  if (report.overhead?.warning) lines.push(`> **Overhead:** ${mdText(report.overhead.warning)}`, '');
  lines.push(
    mdTable(
      ['', 'value', 'detail'],
      keyNumbers(report).map((k) => [k.label, k.value, k.detail]),
    ),
    '',
  );
  if (report.nodes.length > 0) {
    lines.push("**Per node** (the verdict above is the sum's):", '');
    lines.push(
      mdTable(
        ['node', 'verdict', 'memory per service', 'kept per deploy'],
        report.nodes.map((n) => [n.node, n.verdict, formatBytes(n.perServiceBytes), formatBytes(n.retainedPerDeployBytes)]),
      ),
      '',
    );
  }
  lines.push('<details><summary>Rules</summary>', '');
  lines.push(
    mdTable(
      ['rule', 'answer', 'reason'],
      v.reasons.map((r) => [
        r.rule + (v.decidedBy === r.rule ? ' (decided)' : ''),
        ANSWER_WORDS[r.answer],
        r.reason + (r.needs ? ` To decide: ${r.needs}.` : ''),
      ]),
    ),
    '',
  );
  lines.push('</details>', '');
  const rows = deployRowsOf(report).concat(report.rounds.filter((r) => r.role === 'load' || r.role === 'crash'));
  rows.sort((a, b) => a.index - b.index);
  const shown = rows.length <= MAX_TABLE_ROWS ? rows : [...rows.slice(0, MAX_TABLE_ROWS / 2), null, ...rows.slice(-MAX_TABLE_ROWS / 2)];
  const withLoad = rows.some((r) => r.concurrency !== null);
  // Targets of several processes (HAProxy's workers, Varnish's child) and deploys under traffic: the process count.
  const withProcesses = rows.some((r) => r.extra?.processes !== undefined || r.extra?.deployProcesses !== undefined);
  const table = shown.map((r) => {
    const cells =
      r === null ? ['…', '', '', '', ''] : [r.role, formatCount(r.services), formatBytes(r.memoryBytes), formatBytes(r.peakBytes), formatMs(r.deployMs)];
    const load = withLoad ? [r === null || r.concurrency === null ? '' : formatCount(r.concurrency)] : [];
    return [...cells, ...load, ...(withProcesses ? [r === null ? '' : processesCell(r.extra)] : [])];
  });
  const head = ['event', 'services', 'memory', 'deploy peak', 'deploy', ...(withLoad ? ['concurrency'] : []), ...(withProcesses ? ['processes'] : [])];
  lines.push(mdTable(head, table, ['l', 'r', 'r', 'r', 'r', 'r', 'r']), '');
  lines.push("Full report: `report.html` (charts, every rule's numbers, settings); data: `report.json`, `rounds.csv`.", '');
  return lines.join('\n');
}
