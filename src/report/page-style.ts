/**
 * The stylesheet of report.html and compare.html, inlined into each page: light and dark colour
 * schemes, print rules, and the colour of every chart series as a CSS variable.
 */
export const PAGE_CSS = `
:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1f2328; --muted: #5b6470; --border: #d8dee4; --panel: #f6f8fa; --grid: #e7ebef; --axis: #8c959f;
  --ok: #1a7f37; --ok-bg: #dafbe1; --bad: #cf222e; --bad-bg: #ffebe9; --warn: #9a6700; --warn-bg: #fff8c5; --info: #57606a; --info-bg: #eaeef2;
  --c-heap: #0969da; --c-rss: #8c959f; --c-peak: #d4a72c; --c-restart: #1a7f37; --c-redeploy: #8250df; --c-fit: #0550ae;
  --c-extrap: #cf222e; --c-band: #f4a6ab; --c-heapmax: #a40e26; --c-oom: #cf222e; --c-crash: #a40e26;
  --c-deploy: #0969da; --c-round: #8c959f; --c-register: #1a7f37; --c-load: #bc4c00;
  --c-a: #bc4c00; --c-b: #0969da;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --border: #30363d; --panel: #161b22; --grid: #21262d; --axis: #6e7681;
    --ok: #3fb950; --ok-bg: #12261e; --bad: #f85149; --bad-bg: #2d1416; --warn: #d29922; --warn-bg: #272115; --info: #9198a1; --info-bg: #1c2128;
    --c-heap: #4493f8; --c-rss: #8b949e; --c-peak: #e3b341; --c-restart: #3fb950; --c-redeploy: #ab7df8; --c-fit: #79c0ff;
    --c-extrap: #f85149; --c-band: #8e3a3f; --c-heapmax: #ff7b72; --c-oom: #f85149; --c-crash: #ff7b72;
    --c-deploy: #4493f8; --c-round: #8b949e; --c-register: #3fb950; --c-load: #f0883e;
    --c-a: #f0883e; --c-b: #4493f8;
  }
}
* { box-sizing: border-box; }
html { background: var(--bg); color: var(--fg); }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 28px 24px 48px; }
h1 { font-size: 26px; margin: 0; letter-spacing: -0.01em; }
h2 { font-size: 19px; margin: 36px 0 12px; padding-bottom: 6px; border-bottom: 1px solid var(--border); }
h3 { font-size: 15px; margin: 20px 0 8px; }
p { margin: 6px 0; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
.muted { color: var(--muted); }
header.top { display: flex; gap: 12px 20px; align-items: flex-start; justify-content: space-between; }
header.top > div { flex: 1 1 0; min-width: 0; }
header.top > .badge { flex: none; margin-top: 4px; }
header.top .subtitle { color: var(--muted); margin-top: 4px; }
.badge { display: inline-block; padding: 3px 12px; border-radius: 999px; font-weight: 600; font-size: 14px; border: 1px solid currentColor; white-space: nowrap; }
.badge.v-healthy, .badge.good { color: var(--ok); background: var(--ok-bg); }
.badge.v-leak, .badge.v-concurrency-retention, .badge.bad { color: var(--bad); background: var(--bad-bg); }
.badge.v-bounded-retention, .badge.warn { color: var(--warn); background: var(--warn-bg); }
.badge.v-inconclusive, .badge.neutral { color: var(--info); background: var(--info-bg); }
.badge.big { font-size: 17px; padding: 5px 16px; }
.headline { font-size: 17px; margin: 18px 0 4px; }
ul.findings { margin: 6px 0 10px; padding-left: 22px; }
ul.findings li { margin: 3px 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 12px; margin: 18px 0 6px; }
.card { border: 1px solid var(--border); background: var(--panel); border-radius: 8px; padding: 10px 14px; }
.card .k { color: var(--muted); font-size: 13px; }
.card .v { font-size: 20px; font-weight: 600; margin-top: 2px; font-variant-numeric: tabular-nums; }
.card .s { color: var(--muted); font-size: 12.5px; }
.callout { border-left: 4px solid var(--warn); background: var(--warn-bg); padding: 8px 14px; border-radius: 4px; margin: 12px 0; }
.callout.bad { border-color: var(--bad); background: var(--bad-bg); }
.charts { display: grid; grid-template-columns: 1fr; gap: 22px; }
figure.chart { margin: 0; border: 1px solid var(--border); border-radius: 8px; padding: 14px 16px 10px; background: var(--bg); break-inside: avoid; page-break-inside: avoid; }
figure.chart figcaption { margin-bottom: 6px; }
.chart-title { font-weight: 600; display: block; }
.chart-caption { color: var(--muted); font-size: 13px; display: block; }
.chart-svg { width: 100%; height: auto; display: block; font-family: inherit; }
.chart-svg .grid line { stroke: var(--grid); stroke-width: 1; }
.chart-svg .axis line { stroke: var(--axis); stroke-width: 1; }
.chart-svg text { fill: var(--muted); font-size: 12px; }
.chart-svg .axis-label { fill: var(--fg); font-size: 13px; }
.chart-svg .end-label { fill: currentColor; font-size: 12px; font-weight: 600; paint-order: stroke; stroke: var(--bg); stroke-width: 3px; }
.series, .swatch { color: var(--c-heap); }
.c-heap { color: var(--c-heap); } .c-rss { color: var(--c-rss); } .c-peak { color: var(--c-peak); } .c-restart { color: var(--c-restart); }
.c-redeploy { color: var(--c-redeploy); } .c-fit { color: var(--c-fit); } .c-extrap { color: var(--c-extrap); } .c-band { color: var(--c-band); } .c-heapmax { color: var(--c-heapmax); }
.c-oom { color: var(--c-oom); } .c-crash { color: var(--c-crash); } .c-deploy { color: var(--c-deploy); } .c-round { color: var(--c-round); }
.c-register { color: var(--c-register); } .c-load { color: var(--c-load); } .c-a { color: var(--c-a); } .c-b { color: var(--c-b); }
.series .ln, .swatch .ln { fill: none; stroke: currentColor; stroke-width: 2.2; stroke-linejoin: round; stroke-linecap: round; }
.series .pt, .swatch .pt { fill: currentColor; stroke: var(--bg); stroke-width: 1.2; }
.series .pt.cross, .swatch .pt.cross { fill: none; stroke: currentColor; stroke-width: 3; }
.series.style-markers .pt { stroke-width: 1.5; }
.style-dashed .ln, .ln.style-dashed { stroke-dasharray: 7 5; stroke-width: 1.8; }
.style-dotted .ln, .ln.style-dotted { stroke-dasharray: 2 5; stroke-width: 2.2; }
.style-hline .ln, .ln.style-hline, .style-vline .ln, .ln.style-vline { stroke-dasharray: 10 4 2 4; stroke-width: 1.5; }
.series.c-rss .ln { stroke-width: 1.6; }
ul.legend { list-style: none; display: flex; flex-wrap: wrap; gap: 4px 18px; margin: 6px 0 0; padding: 0; font-size: 13px; }
ul.legend li { display: inline-flex; align-items: center; gap: 6px; }
.swatch svg { display: block; }
table { border-collapse: collapse; width: 100%; font-size: 13.5px; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 5px 10px; border-bottom: 1px solid var(--border); vertical-align: top; }
th { color: var(--muted); font-weight: 600; background: var(--panel); }
td.num, th.num { text-align: right; white-space: nowrap; }
.kv { width: auto; min-width: 50%; }
table.rules td:first-child { white-space: nowrap; }
table.rules td:nth-child(3) { width: 46%; }
table.rules td.nums { font-size: 12.5px; min-width: 240px; }
table.rules td.nums span.n { display: inline-block; margin: 0 14px 2px 0; white-space: nowrap; }
table.rounds td.used { font-size: 12px; color: var(--muted); min-width: 160px; }
.kv th { width: 220px; background: transparent; }
.scroll { overflow-x: auto; }
.rule-leak td:first-child, .rule-fail td:first-child { box-shadow: inset 3px 0 var(--bad); }
.rule-warn td:first-child { box-shadow: inset 3px 0 var(--warn); }
.rule-ok td:first-child { box-shadow: inset 3px 0 var(--ok); }
pre.tail { background: var(--panel); border: 1px solid var(--border); border-radius: 6px; padding: 10px 12px; overflow-x: auto; font-size: 12.5px; white-space: pre-wrap; word-break: break-word; }
footer { margin-top: 40px; color: var(--muted); font-size: 12.5px; border-top: 1px solid var(--border); padding-top: 10px; }
.two-col { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 0 28px; }
@media print {
  :root { color-scheme: light; }
  html, body { background: #fff !important; color: #000 !important; }
  body { font-size: 11pt; }
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; page-break-after: avoid; }
  figure.chart, .card, table tr { break-inside: avoid; page-break-inside: avoid; }
  .cards { grid-template-columns: repeat(3, 1fr); }
  .scroll { overflow: visible; }
  a { color: inherit; text-decoration: none; }
}
`;
