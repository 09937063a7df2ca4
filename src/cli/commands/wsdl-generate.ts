/** `gwscale wsdl generate`: write N unique WSDL files from the built-in or your own templates. */
import { usageError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { formatBytes } from '../../units.js';
import { formatWarning, generateWsdls } from '../../api/wsdl.js';
import { defineCommand } from '../command-spec.js';
import type { OptionSpec } from '../../option-spec.js';

const options = [
  {
    key: 'count',
    short: 'n',
    kind: { type: 'int', min: 1, max: 1_000_000 },
    description: 'how many services to generate (required)',
    placeholder: 'N',
    example: '1000',
  },
  {
    key: 'version',
    kind: { type: 'enum', choices: ['1.1', '2.0', 'mixed'] },
    default: '1.1',
    description: 'WSDL version; mixed alternates 1.1 and 2.0 by index',
    placeholder: 'V',
  },
  { key: 'out', short: 'o', kind: { type: 'path' }, description: 'folder to write svc-00000.wsdl … into, created if missing (required)', placeholder: 'DIR' },
  {
    key: 'seed',
    kind: { type: 'int', min: 0, max: 2 ** 31 - 1 },
    default: 1,
    description: 'seed for service names and namespaces; the same seed gives byte-identical files',
    placeholder: 'S',
  },
  { key: 'wsdl', kind: { type: 'path' }, description: 'folder of your own *.wsdl files to use as templates instead of the built-in ones', placeholder: 'DIR' },
  { key: 'strict', kind: { type: 'boolean' }, default: false, description: 'with --wsdl: refuse templates that are read only with a warning' },
  {
    key: 'endpointBase',
    kind: { type: 'string' },
    default: 'http://127.0.0.1:9000',
    description: 'base URL of the SOAP backend; every endpoint address becomes <base>/<serviceName>[/soap12]',
    placeholder: 'URL',
  },
  {
    key: 'startIndex',
    kind: { type: 'int', min: 0, max: 10_000_000 },
    default: 0,
    description: 'index of the first service (to generate more services that join an earlier set)',
    placeholder: 'I',
  },
  { key: 'json', kind: { type: 'boolean' }, default: false, description: 'print a JSON summary on stdout' },
] as const satisfies readonly OptionSpec[];

export const wsdlGenerateCommand = defineCommand({
  name: 'wsdl generate',
  summary: 'write N unique WSDL 1.1/2.0 services (names, namespaces, endpoint addresses) from templates',
  args: [],
  options,
  examples: [
    'gwscale wsdl generate --count 1000 --version mixed --out wsdls',
    'gwscale wsdl generate --count 200 --wsdl my-templates --endpoint-base http://127.0.0.1:8088 --out wsdls',
  ],
  validate(o) {
    if (o.count === undefined) throw usageError('--count is required', 'e.g. gwscale wsdl generate --count 100 --out wsdls');
    if (o.out === undefined) throw usageError('--out is required', 'e.g. gwscale wsdl generate --count 100 --out wsdls');
  },
  run({ options: o, out, err }) {
    const written = generateWsdls({
      strict: o.strict,
      onWarning: (warning) => err(`${formatWarning(warning)}\n`),
      outDir: o.out ?? '',
      count: o.count ?? 0,
      version: o.version,
      seed: o.seed,
      endpointBase: o.endpointBase,
      startIndex: o.startIndex,
      ...(o.wsdl === undefined ? {} : { templatesDir: o.wsdl }),
    });
    if (o.json) {
      out(JSON.stringify(written, null, 2) + '\n');
    } else {
      const versions = Object.entries(written.countByVersion)
        .filter(([, n]) => n > 0)
        .map(([v, n]) => `${n} × WSDL ${v}`)
        .join(', ');
      out(
        `wrote ${written.count} WSDL files (${versions}, ${formatBytes(written.totalBytes)}) to ${written.outDir}: ${written.firstFile ?? ''} … ${written.lastFile ?? ''}\n`,
      );
    }
    return Promise.resolve(ExitCode.Ok);
  },
});
