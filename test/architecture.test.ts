/**
 * The layers of src/ (docs/architecture.md) are kept by an import-boundary lint rule
 * (eslint.layers.js, part of `npm run lint`, so of `npm test`). These tests run that very rule: on
 * wrong-way imports it must report, on the right-way ones and on the real tree it must not.
 */
import { fileURLToPath } from 'node:url';
import { ESLint, type Linter } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain JS config module, no type declarations
import { layerRules } from '../eslint.layers.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const RULE = 'boundaries/dependencies';

let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({
    cwd: root,
    overrideConfigFile: true,
    overrideConfig: [...(layerRules as Linter.Config[]), { linterOptions: { reportUnusedDisableDirectives: 'off' } }],
  });
});

/** The boundary messages for `code` as if it were the file at `filePath` (it need not exist). */
async function boundaryMessages(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === RULE || m.fatal === true).map((m) => `${m.line}: ${m.message}`);
}

describe('layers (eslint.layers.js)', () => {
  it('rejects analysis importing the driver (a lower layer reaching up)', async () => {
    const messages = await boundaryMessages(
      'src/analysis/wrong-way.ts',
      "import { readRunLog } from '../driver/run-log.js';\nexport const read = readRunLog;\n",
    );
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/^1: .*"analysis".*"driver"/);
  });

  it('rejects a folder importing a sibling of its own layer, in every import form', async () => {
    for (const code of [
      "import type { SoapVersion } from '../traffic/options.js';\nexport type V = SoapVersion;\n",
      "export { createAdapter } from '../gateways/registry.js';\n",
      "export const load = () => import('../traffic/senders.js');\n",
    ]) {
      const file = code.includes('../gateways/') ? 'src/traffic/wrong-way.ts' : 'src/gateways/wrong-way.ts';
      expect(await boundaryMessages(file, code), code).toHaveLength(1);
    }
  });

  it('rejects the basics in src/ importing any folder', async () => {
    expect(
      await boundaryMessages(
        'src/wrong-way.ts',
        "import { MiB } from './units.js';\nimport { formatBytes } from './report/format.js';\nexport const x = [MiB, formatBytes];\n",
      ),
    ).toHaveLength(1);
  });

  it('keeps the CLI on the typed API: below api/ it reaches only the basics', async () => {
    const ok = "import { run } from '../../api/run.js';\nimport { usageError } from '../../errors.js';\nexport const x = [run, usageError];\n";
    expect(await boundaryMessages('src/cli/commands/wrong-way.ts', ok)).toEqual([]);
    expect(
      await boundaryMessages('src/cli/commands/wrong-way.ts', "import { runScale } from '../../driver/scale-run.js';\nexport const x = runScale;\n"),
    ).toHaveLength(1);
  });

  it("lets the reference adapter import the reference gateway's protocol module and nothing else of it", async () => {
    const code =
      "import { REQUEST_CIRCUIT } from '../../reference-gateway/protocol.js';\n" +
      "import { EntityStore } from '../../reference-gateway/store.js';\n" +
      'export const x = [REQUEST_CIRCUIT, EntityStore];\n';
    const messages = await boundaryMessages('src/gateways/reference/wrong-way.ts', code);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/^2: /);
  });

  it('allows imports down the layers', async () => {
    const code =
      "import { runScale } from '../driver/scale-run.js';\n" +
      "import { buildReport } from '../report/build.js';\n" +
      "import { createAdapter } from '../gateways/registry.js';\n" +
      "import { parseWsdl } from '../wsdl/index.js';\n" +
      "import { RUN_LOG_SCHEMA } from '../run-log/records.js';\n" +
      "import { MiB } from '../units.js';\n" +
      'export const x = [runScale, buildReport, createAdapter, parseWsdl, RUN_LOG_SCHEMA, MiB];\n';
    expect(await boundaryMessages('src/api/right-way.ts', code)).toEqual([]);
  });

  it('finds no wrong-way import in src/', async () => {
    const results = await eslint.lintFiles(['src']);
    const problems = results.flatMap((r) => r.messages.map((m) => `${r.filePath.slice(root.length)}:${m.line} ${m.message}`));
    expect(problems).toEqual([]);
    expect(results.length).toBeGreaterThan(150);
  });
});
