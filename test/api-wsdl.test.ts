/** The typed API behind `gwscale wsdl generate` and `gwscale wsdl check`, called directly. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkWsdlTemplates, checkWsdls, generateWsdls } from '../src/api/index.js';
import { tempDir } from './helpers/temp-dir.js';

const dir = tempDir('gwscale-api-wsdl-');

describe('api: generateWsdls and checkWsdls', () => {
  it('writes the services it reports, and each one parses with its own service name', () => {
    const outDir = join(dir, 'mixed');
    const written = generateWsdls({ outDir, count: 4, version: 'mixed', seed: 7, endpointBase: 'http://127.0.0.1:9000', startIndex: 10 });
    expect(written.count).toBe(4);
    expect(written.countByVersion).toEqual({ '1.1': 2, '2.0': 2 });
    const files = readdirSync(outDir)
      .sort()
      .map((f) => join(outDir, f));
    expect(files).toHaveLength(4);
    expect(files[0]).toBe(join(outDir, written.firstFile ?? ''));

    const results = checkWsdls(files, { maxDocumentBytes: 1 << 20 });
    expect(results.map((r) => r.state)).toEqual(['ok', 'ok', 'ok', 'ok']);
    const names = results.flatMap((r) => (r.state === 'ok' ? r.document.services.map((s) => s.name) : []));
    expect(new Set(names).size).toBe(4);
  });

  it('reports a file too large to read as an error result, not a throw', () => {
    const outDir = join(dir, 'small');
    generateWsdls({ outDir, count: 1, version: '1.1', seed: 1, endpointBase: 'http://127.0.0.1:9000', startIndex: 0 });
    const [file] = readdirSync(outDir).map((f) => join(outDir, f));
    const [result] = checkWsdls([file ?? ''], { maxDocumentBytes: 10 });
    expect(result?.state).toBe('error');
  });
});

describe('api: checkWsdlTemplates (the --wsdl check before gwscale run)', () => {
  const wild = new URL('../fixtures/wsdl-wild/', import.meta.url).pathname;
  it('returns the warnings of every template in the folder, and with strict refuses the first one that has any', () => {
    const warnings = checkWsdlTemplates(wild, { strict: false });
    expect(new Set(warnings.map((w) => w.file.slice(wild.length)))).toEqual(
      new Set(['cxf-basic-callback.wsdl', 'cxf-jms-no-address.wsdl', 'goetas-base-wsdl-no-address.wsdl', 'zeep-http-post-companyinfo.wsdl']),
    );
    expect(() => checkWsdlTemplates(wild, { strict: true })).toThrow(
      /cxf-basic-callback\.wsdl: schema-import location \/schemas\/wsdl\/ws-addr\.xsd is an absolute path/,
    );
  });
});
