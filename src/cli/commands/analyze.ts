/** `gwscale analyze`: the growth-curve analysis and leak verdict of a run folder or a CSV of measurements. */
import { analyze, renderAnalysisText } from '../../api/analyze.js';
import { gateReport, validateCiFlags } from '../../api/report.js';
import { ciOptions } from './ci-options.js';
import type { ExitCode } from '../../exit-codes.js';
import { defineCommand } from '../command-spec.js';
import type { OptionSpec } from '../../option-spec.js';

const analyzeOptions = [
  {
    key: 'fromCsv',
    kind: { type: 'path' },
    description: 'analyse measurements from a CSV (columns: services, memory_mb or memory_bytes, optional event, elapsed_s, peak_mb, concurrency, after_gc)',
    placeholder: 'FILE',
  },
  {
    key: 'heapMax',
    kind: { type: 'size' },
    description: "heap limit for the out-of-memory prediction (e.g. 4000MB, 4GiB); for a run folder it defaults to the run's heap setting",
    placeholder: 'SIZE',
    example: '4000MB',
  },
  {
    key: 'deployPeakFactor',
    kind: { type: 'number', min: 1, max: 100 },
    description: 'a deploy briefly needs F × the memory in use when it starts (for data without peak samples)',
    placeholder: 'F',
    example: '2',
  },
  {
    key: 'leakMargin',
    kind: { type: 'percent', min: 0.01, max: 50 },
    description:
      "healthy only when memory kept per deploy is shown to be below this share of memory per deploy (0.25 and 0.25% both mean 0.25 %); for a run folder it defaults to the run's --leak-margin [default: 0.25%]",
    placeholder: 'PCT',
    example: '0.5%',
  },
  { key: 'json', kind: { type: 'boolean' }, default: false, description: 'print the analysis as JSON on stdout and nothing else there' },
  ...ciOptions,
] as const satisfies readonly OptionSpec[];

export const analyzeCommand = defineCommand({
  name: 'analyze',
  summary: 'growth curve and leak verdict of a run folder, or of measurements in a CSV',
  args: [{ name: 'RUN_DIR', description: 'a folder written by gwscale run', optional: true }],
  options: analyzeOptions,
  examples: [
    'gwscale analyze runs/retain-configs',
    'gwscale analyze --from-csv fixtures/csv/field-oeg.csv --heap-max 4000MB --deploy-peak-factor 2',
    'gwscale analyze runs/healthy --json > analysis.json',
  ],
  validate: validateCiFlags,
  run({ options, args, out, err }): Promise<ExitCode> {
    const { analysis, source } = analyze({
      ...(args[0] === undefined ? {} : { runDir: args[0] }),
      ...(options.fromCsv === undefined ? {} : { fromCsv: options.fromCsv }),
      heapMaxBytes: options.heapMax ?? null,
      deployPeakFactor: options.deployPeakFactor ?? null,
      leakMarginFraction: options.leakMargin ?? null,
    });
    out(options.json ? JSON.stringify(analysis, null, 2) + '\n' : renderAnalysisText(analysis, source));
    const gate = gateReport(analysis, options, `gwscale analyze ${source}`);
    if (gate.junitFile) err(`junit: ${gate.junitFile}\n`);
    return Promise.resolve(gate.exitCode);
  },
});
