/**
 * The CI flags (`--junit`, `--fail-on`, `--max-per-service`) of `run`, `analyze` and `compare`: one
 * option table each command adds to its own. What the flags do is report/ci-gates.ts's, behind the API.
 */
import { DEFAULT_FAIL_ON, FAIL_ON_CHOICES } from '../../api/report.js';
import type { OptionSpec } from '../../option-spec.js';

const junitOption = {
  key: 'junit',
  kind: { type: 'path' },
  description: 'write JUnit XML (one test case per rule and threshold) to FILE for CI servers',
  placeholder: 'FILE',
  example: 'gwscale-junit.xml',
} as const satisfies OptionSpec;
const maxPerServiceOption = {
  key: 'maxPerService',
  kind: { type: 'size' },
  description: 'fail (exit 3) when the estimated memory per service exceeds SIZE',
  placeholder: 'SIZE',
  example: '2MB',
} as const satisfies OptionSpec;

/** CI options of `run` and `analyze`: add them to the command's option table. */
export const ciOptions = [
  junitOption,
  {
    key: 'failOn',
    kind: { type: 'enum-list', choices: FAIL_ON_CHOICES },
    default: DEFAULT_FAIL_ON,
    description: 'verdict kinds that fail the exit code (leak → 3, concurrency-retention → 4, others → 3); none for never',
    placeholder: 'KINDS',
    example: 'leak,concurrency-retention',
  },
  maxPerServiceOption,
] as const satisfies readonly OptionSpec[];

/** CI options of `compare`: the same, but B's verdict fails nothing unless --fail-on is given. */
export const compareCiOptions = [
  junitOption,
  {
    key: 'failOn',
    kind: { type: 'enum-list', choices: FAIL_ON_CHOICES },
    description: "verdict kinds of B that also fail the exit code [default: none; compare's own gate is --max-regression]",
    placeholder: 'KINDS',
    example: 'leak',
  },
  maxPerServiceOption,
] as const satisfies readonly OptionSpec[];
