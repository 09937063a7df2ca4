/** `gwscale report RUN_DIR`: re-renders a run folder's reports from its run log. */
import { renderReportJson, renderRunFolder } from '../../api/report.js';
import { ExitCode } from '../../exit-codes.js';
import { defineCommand } from '../command-spec.js';
import type { OptionSpec } from '../../option-spec.js';

const options = [
  { key: 'json', kind: { type: 'boolean' }, default: false, description: 'print report.json on stdout instead of the file list' },
] as const satisfies readonly OptionSpec[];

export const reportCommand = defineCommand({
  name: 'report',
  summary: 'render report.html, report.md, report.json and rounds.csv of a run folder again, from its run.jsonl',
  args: [{ name: 'RUN_DIR', description: 'run folder written by gwscale run (holds run.jsonl)' }],
  options,
  examples: ['gwscale report reports/2025-01-02T10-00-00-reference-retain-configs', 'gwscale report RUN_DIR --json | jq .verdict'],
  run({ options: o, args, out }) {
    const result = renderRunFolder(args[0] ?? '.');
    if (o.json) {
      out(renderReportJson(result.report));
    } else {
      out(`verdict: ${result.report.verdict.kind}\n`);
      for (const [kind, path] of Object.entries(result.files)) out(`${kind.padEnd(8)} ${path}\n`);
    }
    return Promise.resolve(ExitCode.Ok);
  },
});
