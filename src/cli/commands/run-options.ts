/**
 * The option table of `gwscale run`: flags, config-file fields, --help and README all come from it.
 * The run's settings (what `RunConfig` holds and the run log records) are `runSettingOptions`' rows;
 * the rows here only steer the command itself.
 */
import type { OptionSpec } from '../../option-spec.js';
import { runSettingOptions } from '../../api/run.js';
import { ciOptions } from './ci-options.js';

export const runOptions = [
  ...runSettingOptions,
  {
    key: 'strict',
    kind: { type: 'boolean' },
    default: false,
    description: 'with --wsdl: refuse templates that are read only with a warning (see docs/wsdl.md)',
  },
  {
    key: 'credentialsFile',
    kind: { type: 'path' },
    description:
      'JSON file {"user","password"} with the gateway admin credentials (must be chmod 600); else GWSCALE_GATEWAY_USER/GWSCALE_GATEWAY_PASSWORD, else generated per run',
    placeholder: 'FILE',
  },
  {
    key: 'resume',
    kind: { type: 'path' },
    flagOnly: true,
    description: 'continue an interrupted run in this folder from its last completed round, with its settings (other run flags are ignored)',
    placeholder: 'RUN_DIR',
  },
  { key: 'out', short: 'o', kind: { type: 'path' }, description: 'run folder [default: reports/<timestamp>-<target>-<profile>]', placeholder: 'DIR' },
  { key: 'json', kind: { type: 'boolean' }, default: false, description: 'print report.json on stdout and nothing else there' },
  {
    key: 'yes',
    kind: { type: 'boolean' },
    default: false,
    flagOnly: true,
    description: 'with --attach to a gateway off loopback: go on without asking (gwscale otherwise shows what it will do and asks on a terminal)',
  },
  ...ciOptions,
] as const satisfies readonly OptionSpec[];
