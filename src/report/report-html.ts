/**
 * report.html: a run as a person reads it. The verdict and key numbers first, then the charts,
 * then every rule's answer with its numbers, the run's facts and settings, and the table of rounds.
 * One self-contained file (see page.ts); everything from data is escaped.
 */
import { RULE_ORDER } from '../analysis/verdict.js';
import { concurrencyChart, memoryChart, nodesChart, timeChart, timelineChart } from './charts.js';
import { escapeHtml } from './escape.js';
import { formatBytes, formatCount, formatMs, formatNumber } from './format.js';
import { keyNumbers } from './key-numbers.js';
import { keyValueTable, renderPage } from './page.js';
import type { Report } from './build.js';
import { runLabel } from './report-view.js';
import { renderChart } from './svg-chart.js';
import { ANSWER_WORDS, answerClass, formatRuleNumber, VERDICT_MEANING, verdictClass, words } from './verdict-words.js';

const e = escapeHtml;

/** The run in one line: services, batch, redeploys, restarts, how it ended. */
export function runShape(report: Report): string {
  const s = report.settings;
  const parts: string[] = [];
  const maxServices = Math.max(0, ...report.rounds.map((r) => r.services));
  parts.push(`${formatCount(maxServices)} services`);
  if (typeof s.batch === 'number') parts.push(`rounds of ${formatCount(s.batch)}`);
  const restarts = report.rounds.filter((r) => r.role === 'restart').length;
  if (restarts > 0) parts.push(`${restarts} restart${restarts === 1 ? '' : 's'}`);
  const redeploys = report.rounds.filter((r) => r.role === 'redeploy').length;
  if (redeploys > 0) parts.push(`${redeploys} redeploy${redeploys === 1 ? '' : 's'}`);
  const load = report.rounds.filter((r) => r.role === 'load').length;
  if (load > 0) parts.push(`${load} traffic step${load === 1 ? '' : 's'}`);
  parts.push(report.state);
  return parts.join(' · ');
}

function header(report: Report): string {
  const v = report.verdict;
  return [
    '<header class="top">',
    `<div><h1>gwscale report · ${e(runLabel(report))}</h1>`,
    `<div class="subtitle">${e(report.gateway.version ?? 'gateway version unknown')} · ${e(runShape(report))} · started ${e(report.startedAt)}</div></div>`,
    `<span class="badge big ${verdictClass(v.kind)}" id="verdict" data-verdict="${e(v.kind)}">${e(v.kind)}</span>`,
    '</header>',
    `<p class="headline">${e(v.summary)}</p>`,
    `<p class="muted">${e(VERDICT_MEANING[v.kind])}.</p>`,
  ].join('');
}

function callouts(report: Report): string {
  const out: string[] = [];
  if (report.crash !== null) {
    const c = report.crash;
    out.push(
      `<div class="callout bad"><strong>The gateway crashed</strong> during ${e(c.phase)} at ${e(formatCount(c.services))} services (${c.signal !== null ? `signal ${e(c.signal)}` : `exit code ${e(String(c.exitCode))}`}). Its last words are under <a href="#crash">Crash</a>.</div>`,
    );
  }
  if (report.state === 'interrupted') out.push('<div class="callout">The run was interrupted: this report covers what was measured until then.</div>');
  if (report.state === 'failed')
    out.push(`<div class="callout bad">The run failed before it finished${report.errors[0] ? `: ${e(report.errors[0].message)}` : ''}.</div>`);
  if (report.overhead?.warning) out.push(`<div class="callout"><strong>Overhead:</strong> ${e(report.overhead.warning)}.</div>`);
  if (report.gatewayCounts !== null && !report.gatewayCounts.matches)
    out.push('<div class="callout">The gateway\'s own listing does not match what the harness registered (see <a href="#run">Run</a>).</div>');
  if (report.registration.failed > 0)
    out.push(
      `<div class="callout">${e(formatCount(report.registration.failed))} of ${e(formatCount(report.registration.attempted))} registrations failed.</div>`,
    );
  if (report.deploys.failed > 0)
    out.push(`<div class="callout bad">${e(formatCount(report.deploys.failed))} of ${e(formatCount(report.deploys.total))} deploys failed.</div>`);
  if (report.verification.failed > 0)
    out.push(
      `<div class="callout">${e(formatCount(report.verification.failed))} of ${e(formatCount(report.verification.checked))} verification requests through the gateway failed.</div>`,
    );
  return out.join('');
}

function cards(report: Report): string {
  const items = keyNumbers(report).map(
    (k) =>
      `<div class="card" data-key="${e(k.key)}"><div class="k">${e(k.label)}</div><div class="v">${e(k.value)}</div><div class="s">${e(k.detail)}</div></div>`,
  );
  return `<section class="cards">${items.join('')}</section>`;
}

function charts(report: Report): string {
  const specs = [memoryChart(report), timelineChart(report), nodesChart(report), timeChart(report), concurrencyChart(report)].flatMap((c) =>
    c === null || c.series.length === 0 ? [] : [c],
  );
  return `<h2 id="charts">Charts</h2><section class="charts">${specs.map(renderChart).join('')}</section>`;
}

function rules(report: Report): string {
  const ordered = [...report.verdict.reasons].sort((a, b) => RULE_ORDER.indexOf(a.rule) - RULE_ORDER.indexOf(b.rule));
  const rows = ordered.map((r) => {
    const nums = Object.entries(r.numbers)
      .map(([k, v]) => `<span class="n"><span class="muted">${e(words(k))}</span> ${e(formatRuleNumber(k, v))}</span>`)
      .join('');
    const decided = report.verdict.decidedBy === r.rule ? ' <span class="muted">(decided)</span>' : '';
    const cls =
      answerClass(r.answer) === 'bad' ? 'rule-leak' : answerClass(r.answer) === 'warn' ? 'rule-warn' : answerClass(r.answer) === 'good' ? 'rule-ok' : '';
    const needs = r.needs === null ? '' : `<div class="muted">to decide: ${e(r.needs)}</div>`;
    return `<tr class="${cls}" data-rule="${e(r.rule)}"><td><code>${e(r.rule)}</code>${decided}</td><td><span class="badge ${answerClass(r.answer)}">${e(ANSWER_WORDS[r.answer])}</span></td><td>${e(r.reason)}${needs}</td><td class="nums">${nums}</td><td class="num">${e(r.rows.length)}</td></tr>`;
  });
  const needs = report.verdict.needs.length === 0 ? '' : `<p><strong>To decide:</strong> ${e(report.verdict.needs.join('; '))}</p>`;
  return [
    '<h2 id="verdict-rules">Verdict: every test\'s decision</h2>',
    '<p class="muted">One model of the whole curve is chosen by evidence; these tests turn it into the verdict. A test that cannot tell says what measurement would let it.</p>',
    '<div class="scroll"><table class="rules"><thead><tr><th>Test</th><th>Answer</th><th>Reason</th><th>Numbers</th><th class="num">Rows</th></tr></thead>',
    `<tbody>${rows.join('')}</tbody></table></div>`,
    needs,
  ].join('');
}

function candidates(report: Report): string {
  const m = report.estimates.model;
  if (m === null) return '';
  const rows = [...m.candidates]
    .sort((a, b) => (a.deltaAicc ?? Infinity) - (b.deltaAicc ?? Infinity))
    .map((c) => {
      const mark =
        c.name === m.chosen ? ' <span class="badge good">chosen</span>' : c.name === m.bestByAicc ? ' <span class="badge neutral">best AICc</span>' : '';
      return `<tr data-model="${e(c.name)}"><td><code>${e(c.name)}</code>${mark}</td><td class="num">${c.deltaAicc === null ? 'cannot be fitted' : e(formatNumber(c.deltaAicc, 3))}</td><td class="num">${e(c.parameters ?? '—')}</td><td class="num">${e(c.scale === null ? '—' : formatNumber(c.scale, 3))}</td><td class="num">${e(c.fixed ?? '')}</td></tr>`;
    });
  return [
    '<h2 id="models">Candidate models</h2>',
    '<p class="muted">Each candidate is fitted to every deploy reading at once, with one intercept shared by all, or one per segment (fresh start, each restart: <code>+restart-shifts</code>). The chosen model is built up from linear by nested F tests; ΔAICc 0 marks the best by AICc alone.</p>',
    '<div class="scroll"><table class="models"><thead><tr><th>Model</th><th class="num">ΔAICc</th><th class="num">Parameters</th><th class="num">Residual scale</th><th class="num">ρ / step</th></tr></thead>',
    `<tbody>${rows.join('')}</tbody></table></div>`,
  ].join('');
}

function estimates(report: Report): string {
  const es = report.estimates;
  const rows: [string, string][] = [];
  if (es.perService) rows.push(['Memory per service', `${es.perService.method}: ${es.perService.note}`]);
  if (es.retainedPerDeploy) rows.push(['Retained per deploy', `${es.retainedPerDeploy.method}: ${es.retainedPerDeploy.note}`]);
  rows.push(['Deploy peak factor', `${es.deployPeakFactor.source}: ${es.deployPeakFactor.note}`]);
  if (es.deployTimeExponent) rows.push(['Deploy time exponent', es.deployTimeExponent.note]);
  rows.push([
    'Out-of-memory prediction',
    `${es.prediction.model ?? 'none'}: ${es.prediction.note}${es.prediction.limitBytes !== null ? `; deploy limit ${formatBytes(es.prediction.limitBytes)}` : ''}`,
  ]);
  const m = es.model;
  if (m !== null) {
    rows.push([
      'Curve model',
      `${m.chosen} (best by AICc: ${m.bestByAicc}${m.setAside.length > 0 ? `; set aside for a term that was not significant: ${m.setAside.map((x) => `${x.name} (${x.term})`).join(', ')}` : ''}); residual scale ${formatNumber(m.scale)} on ${m.dof} degrees of freedom`,
    ]);
    rows.push([
      'Model terms',
      m.terms
        .map(
          (t) =>
            `${t.term}${t.fixed !== null ? ` [${t.fixed}]` : ''} = ${formatNumber(t.estimate, 4)} (95 % CI ${formatNumber(t.ci95[0], 4)} … ${formatNumber(t.ci95[1], 4)}${t.p !== null ? `, p = ${formatNumber(t.p, 2)}` : ''})`,
        )
        .join('; ') + '; plus an intercept per segment',
    ]);
    rows.push([
      'Pure error',
      `${m.pureError.source === 'replicates' ? `from replicate readings: sd ${formatNumber((m.pureError.sdFraction ?? 0) * 100)} % of a reading on ${m.pureError.dof} degrees of freedom` : `no replicates: the after-GC prior (${formatNumber(es.noise.afterGcFraction * 100)} %)`}; deploy-to-deploy allowance ${formatNumber(es.noise.betweenDeployAllowanceFraction * 100)} %`,
    ]);
    if (m.lackOfFit !== null)
      rows.push([
        'Lack of fit',
        `F = ${formatNumber(m.lackOfFit.f)} on (${m.lackOfFit.dof1}, ${m.lackOfFit.dof2 ?? '∞'}), p = ${formatNumber(m.lackOfFit.p, 2)}: ${m.lackOfFit.fits ? 'fits' : 'no candidate fits'}`,
      ]);
  }
  return `<h2 id="estimates">How the numbers were found</h2>${keyValueTable(rows)}`;
}

function runFacts(report: Report): string {
  const starts = report.gateway.starts.map((s) => `${s.reason} at ${s.at} (${formatMs(s.startMs)})`).join('; ');
  const counts = report.gatewayCounts;
  const countText = (c: NonNullable<Report['gatewayCounts']>['actual']): string =>
    [
      `${formatCount(c.services)} services`,
      c.serviceGroups === null ? null : `${formatCount(c.serviceGroups)} groups`,
      c.operations === null ? null : `${formatCount(c.operations)} operations`,
      c.circuits === null ? null : `${formatCount(c.circuits)} circuits`,
      c.attachedPolicies === null ? null : `${formatCount(c.attachedPolicies)} policies`,
    ]
      .filter((x) => x !== null)
      .join(', ');
  const rows: [string, string][] = [
    ['Target', report.target],
    ['Profile', report.profile],
    ['State', report.state],
    ['Started', report.startedAt],
    ['Finished', report.finishedAt ?? '—'],
    ['Wall time', report.wallSeconds === null ? '—' : formatMs(report.wallSeconds * 1000)],
    ['Gateway version', report.gateway.version ?? '—'],
    ['Gateway starts', starts || '—'],
    ['gwscale version', report.tool.version],
    ['Node.js', report.tool.nodeVersion],
    ['Registrations', `${formatCount(report.registration.attempted)} attempted, ${formatCount(report.registration.failed)} failed`],
    ['Deploys', `${formatCount(report.deploys.total)}, ${formatCount(report.deploys.failed)} failed`],
    ['Verification', `${formatCount(report.verification.checked)} requests through the gateway, ${formatCount(report.verification.failed)} failed`],
    ['Memory samples during deploys', formatCount(report.samples)],
  ];
  if (counts !== null) {
    rows.push([
      'Gateway listing',
      `${countText(counts.actual)}${counts.matches ? ' — matches what was registered' : ` — expected ${countText(counts.expected)}`}`,
    ]);
  }
  const failures = [
    ...report.registration.failures,
    ...report.deploys.failures.map((f) => `deploy at ${f.services} services: ${f.reason}`),
    ...report.errors.map((x) => `${x.phase}: ${x.message}`),
  ];
  const failureList = failures.length === 0 ? '' : `<h3>Failures</h3><ul>${failures.map((f) => `<li><code>${e(f)}</code></li>`).join('')}</ul>`;
  return `<h2 id="run">Run</h2><div class="two-col"><div>${keyValueTable(rows)}</div><div>${overhead(report)}${settings(report)}</div></div>${failureList}`;
}

function overhead(report: Report): string {
  const o = report.overhead;
  if (o === null) return '<h3>Overhead</h3><p class="muted">Not recorded (the run did not finish).</p>';
  const rows: [string, string][] = [
    ['Harness CPU', `${formatNumber(o.harnessCpuSeconds)} s`],
    ['Gateway CPU', `${formatNumber(o.gatewayCpuSeconds)} s`],
    ['Harness ÷ gateway', o.ratio === null ? '— (gateway CPU unknown)' : formatNumber(o.ratio)],
  ];
  return `<h3 id="overhead">Overhead</h3>${keyValueTable(rows)}${o.warning ? `<div class="callout">${e(o.warning)}</div>` : ''}`;
}

function settings(report: Report): string {
  const rows = Object.entries(report.settings).map(([k, v]): [string, string] => [words(k), typeof v === 'string' ? v : JSON.stringify(v)]);
  return `<h3 id="settings">Settings</h3>${keyValueTable(rows)}`;
}

function crash(report: Report): string {
  const c = report.crash;
  if (c === null) return '';
  return `<h2 id="crash">Crash</h2><p>During ${e(c.phase)} at ${e(formatCount(c.services))} services; exit code ${e(String(c.exitCode))}, signal ${e(String(c.signal))}. Last lines the gateway wrote:</p><pre class="tail">${e(c.stderrTail.join('\n'))}</pre>`;
}

function roundsTable(report: Report): string {
  const head = ['#', 'Role', 'Services', 'Memory', 'RSS', 'Deploy peak', 'Before deploy', 'Register', 'Deploy', 'Round', 'Concurrency', 'Replaced', 'Used by'];
  const numeric = new Set([0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  const th = head.map((h, i) => `<th${numeric.has(i) ? ' class="num"' : ''}>${e(h)}</th>`).join('');
  const rows = report.rounds.map((r) => {
    const cells = [
      String(r.index),
      r.role + (r.resumed === true ? ' (resumed)' : ''),
      formatCount(r.services),
      formatBytes(r.memoryBytes),
      formatBytes(r.rssBytes),
      formatBytes(r.peakBytes),
      formatBytes(r.preDeployBytes),
      formatMs(r.registerMs),
      formatMs(r.deployMs),
      formatMs(r.elapsedMs),
      r.concurrency === null ? '—' : formatCount(r.concurrency),
      r.supersededServices === null ? '—' : formatCount(r.supersededServices),
      r.usedBy.join(', '),
    ];
    return `<tr data-role="${e(r.role)}">${cells.map((c, i) => `<td${numeric.has(i) ? ' class="num"' : i === cells.length - 1 ? ' class="used"' : ''}>${e(c)}</td>`).join('')}</tr>`;
  });
  const source =
    report.rounds[0] === undefined ? '' : ` Memory is ${report.rounds[0].memorySource}${report.rounds[0].afterGc ? ', read after a forced GC' : ''}.`;
  return `<h2 id="rounds">Rounds</h2><p class="muted">One row per measurement, in time order (also in rounds.csv).${e(source)}</p><div class="scroll"><table class="rounds"><thead><tr>${th}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

/**
 * What the memory source read beside the heap (metaspace and class counts for a JVM, goroutines for
 * Go, RSS…): a webapp class count that keeps rising across reloads is a leak signal of its own.
 */
function sourceExtrasTable(report: Report): string {
  const keys = [...new Set(report.rounds.flatMap((r) => Object.keys(r.extra ?? {})))].sort();
  if (keys.length === 0) return '';
  const th = ['#', 'Role', 'Services', ...keys].map((h, i) => `<th${i === 1 ? '' : ' class="num"'}>${e(h)}</th>`).join('');
  const rows = report.rounds.map((r) => {
    const values = keys.map((k) => {
      const v = r.extra?.[k];
      return v === undefined ? '—' : /Bytes$/.test(k) ? formatBytes(v) : formatCount(v);
    });
    const cells = [String(r.index), r.role, formatCount(r.services), ...values];
    return `<tr>${cells.map((c, i) => `<td${i === 1 ? '' : ' class="num"'}>${e(c)}</td>`).join('')}</tr>`;
  });
  return `<h2 id="source-extras">Other readings of the memory source</h2><p class="muted">Read at the same moment as the memory of each row; with --deploy-under-load, <code>deployProcesses</code> and <code>deployRequestsFailed</code> while the deploy ran.</p><div class="scroll"><table class="rounds"><thead><tr>${th}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

/** Renders report.html for a run. */
export function renderReportHtml(report: Report): string {
  const body = [
    header(report),
    callouts(report),
    cards(report),
    charts(report),
    rules(report),
    candidates(report),
    estimates(report),
    runFacts(report),
    crash(report),
    roundsTable(report),
    sourceExtrasTable(report),
    `<footer>gwscale ${e(report.tool.version)} · report.json schema ${e(String(report.schemaVersion))} · analysis schema ${e(String(report.analysisSchemaVersion))} · rendered from run.jsonl; <code>gwscale report DIR</code> renders it again.</footer>`,
  ].join('\n');
  return renderPage({ title: `gwscale · ${runLabel(report)} · ${report.verdict.kind}`, body });
}
