/** `gwscale wsdl check`: parse WSDL files and print what each holds, or one error line per bad file. */
import { ExitCode } from '../../exit-codes.js';
import { checkWsdls, describeWsdl, formatWarning, DEFAULT_MAX_WSDL_BYTES } from '../../api/wsdl.js';
import { defineCommand } from '../command-spec.js';
import type { OptionSpec } from '../../option-spec.js';

const options = [
  { key: 'json', kind: { type: 'boolean' }, default: false, description: 'print one JSON array of results (file, state, document or message) on stdout' },
  {
    key: 'strict',
    kind: { type: 'boolean' },
    default: false,
    description:
      'refuse what is otherwise read with a warning (undeclared prefixes, dangling references, imports not read …), for validating your own contracts',
  },
  {
    key: 'maxSize',
    kind: { type: 'size' },
    default: DEFAULT_MAX_WSDL_BYTES,
    description: 'refuse files larger than this, before reading them',
    placeholder: 'SIZE',
    example: '50MB',
  },
] as const satisfies readonly OptionSpec[];

export const wsdlCheckCommand = defineCommand({
  name: 'wsdl check',
  summary: 'parse WSDL 1.1/2.0 files and show their services, endpoints, bindings, operations and imports',
  args: [{ name: 'file', description: 'WSDL files to check', variadic: true }],
  options,
  examples: ['gwscale wsdl check fixtures/wsdl/*.wsdl', 'gwscale wsdl check --json service.wsdl', 'gwscale wsdl check --strict my-contract.wsdl'],
  run({ options: o, args, out, err }) {
    const results = checkWsdls(args, { maxDocumentBytes: o.maxSize, strict: o.strict });
    if (o.json) out(JSON.stringify(results, null, 2) + '\n');
    for (const result of results) {
      if (result.state === 'error') {
        err(`gwscale: ${result.message}\n`);
        continue;
      }
      for (const warning of result.document.warnings) err(`${formatWarning(warning)}\n`);
      if (!o.json) out(describeWsdl(result.document));
    }
    return Promise.resolve(results.some((r) => r.state === 'error') ? ExitCode.Input : ExitCode.Ok);
  },
});
