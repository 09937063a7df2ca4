/** `gwscale compare RUN_A RUN_B`: is the candidate B better or worse than the baseline A, beyond noise? */
import { compareRuns, renderCompareMarkdown, renderCompareText } from '../../api/compare.js';
import { validateCiFlags } from '../../api/report.js';
import { usageError } from '../../errors.js';
import { compareCiOptions } from './ci-options.js';
import { defineCommand } from '../command-spec.js';
import type { OptionSpec } from '../../option-spec.js';

const options = [
  { key: 'out', short: 'o', kind: { type: 'path' }, description: "folder for compare.html [default: B's run folder]", placeholder: 'DIR' },
  {
    key: 'maxRegression',
    kind: { type: 'percent' },
    description: 'B may hold this much more memory per service (beyond noise) before compare exits 8 [default: 10%]',
    placeholder: 'PCT',
    example: '10%',
  },
  {
    key: 'noiseFloor',
    kind: { type: 'percent' },
    description: 'relative differences smaller than this count as noise even when the intervals exclude them [default: 5%]',
    placeholder: 'PCT',
    example: '5%',
  },
  { key: 'json', kind: { type: 'boolean' }, default: false, description: 'print the comparison as JSON on stdout' },
  { key: 'markdown', kind: { type: 'boolean' }, default: false, description: 'print the comparison as Markdown on stdout (for a pull-request comment)' },
  ...compareCiOptions,
] as const satisfies readonly OptionSpec[];

export const compareCommand = defineCommand({
  name: 'compare',
  summary: 'compare run B against run A: memory per service beyond noise, verdicts, prediction; exit 8 on a regression',
  args: [
    { name: 'RUN_A', description: 'baseline: a run folder, its run.jsonl, or a report.json' },
    { name: 'RUN_B', description: 'candidate: a run folder, its run.jsonl, or a report.json' },
  ],
  options,
  examples: [
    'gwscale compare runs/gateway-1.4 runs/gateway-1.5',
    'gwscale compare base/report.json head/report.json --markdown > comment.md',
    'gwscale compare base head --max-regression 5% --junit compare-junit.xml',
  ],
  validate(o) {
    if (o.json && o.markdown) throw usageError('--json and --markdown both ask for stdout', 'pick one; compare.html is written either way');
    validateCiFlags(o);
  },
  run({ options: o, args, out, err }) {
    const result = compareRuns(args[0] ?? '', args[1] ?? '', {
      ...(o.out === undefined ? {} : { out: o.out }),
      ...(o.maxRegression === undefined ? {} : { maxRegression: o.maxRegression }),
      ...(o.noiseFloor === undefined ? {} : { noiseFloor: o.noiseFloor }),
      ...(o.junit === undefined ? {} : { junit: o.junit }),
      ...(o.maxPerService === undefined ? {} : { maxPerService: o.maxPerService }),
      failOn: o.failOn ?? [],
    });
    if (o.json) out(JSON.stringify({ ...result.comparison, sources: { a: result.a.source, b: result.b.source } }, null, 2) + '\n');
    else if (o.markdown) out(renderCompareMarkdown(result.comparison));
    else out(renderCompareText(result.comparison));
    err(`compare: ${result.files.html}\n`);
    if (result.files.junit !== undefined) err(`junit: ${result.files.junit}\n`);
    return Promise.resolve(result.gate.exitCode);
  },
});
