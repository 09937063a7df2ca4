/**
 * The real-world corpus (fixtures/wsdl-wild, see its SOURCES.md): every WSDL is read with the
 * operations the `soap` package finds in it (or, where `soap` finds none, those recorded by hand in
 * expected-operations.json), warns where gwscale recovered, is refused by --strict exactly when it
 * warns, never reads outside its folder, and works as a template whose copies keep every operation.
 */
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { open_wsdl } from 'soap/lib/wsdl/index.js';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { ExitCode } from '../src/exit-codes.js';
import { compileTemplate, parseWsdl, readWsdlBytes, readWsdlFile, renderTemplate, type WsdlDocument } from '../src/wsdl/index.js';
import { tempDir } from './helpers/temp-dir.js';

const corpusDir = new URL('../fixtures/wsdl-wild/', import.meta.url).pathname;
const walk = (dir: string): string[] =>
  readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? walk(path) : name.endsWith('.wsdl') ? [path] : [];
    });
const files = walk(corpusDir);
const expected = JSON.parse(readFileSync(join(corpusDir, 'expected-operations.json'), 'utf8')) as Record<string, { operations: string[] } | string>;

const tmp = tempDir('gwscale-wsdl-wild-');
const stub = join(tmp, 'stub.wsdl');
writeFileSync(stub, '<definitions xmlns="http://schemas.xmlsoap.org/wsdl/"/>');

/** Operation names `soap` finds (portType methods and described services); empty when it fails. Never touches the network. */
function soapOperations(file: string): Promise<string[]> {
  const insideCorpus = (path: string): boolean => !/^[a-z][a-z0-9+.-]*:/i.test(path) && path.startsWith(dirname(file));
  const options = {
    wsdl_options: { overrideImportLocation: (path: string) => (insideCorpus(path) && statSync(path, { throwIfNoEntry: false }) !== undefined ? path : stub) },
    httpClient: { request: (_url: string, _data: unknown, callback: (error: Error) => void) => callback(new Error('no network in tests')) },
  };
  return new Promise((resolve) => {
    open_wsdl(
      file,
      options as never,
      (
        error: unknown,
        wsdl: { definitions: { portTypes?: Record<string, { methods?: object }> }; describeServices(): Record<string, Record<string, object>> } | undefined,
      ) => {
        if (error !== null && error !== undefined) return resolve([]);
        try {
          const names = new Set<string>();
          for (const portType of Object.values(wsdl?.definitions.portTypes ?? {})) for (const name of Object.keys(portType.methods ?? {})) names.add(name);
          for (const ports of Object.values(wsdl?.describeServices() ?? {}))
            for (const operations of Object.values(ports)) for (const name of Object.keys(operations)) names.add(name);
          resolve([...names].sort());
        } catch {
          resolve([]);
        }
      },
    );
  });
}

const operationNames = (document: WsdlDocument): string[] => [...new Set(document.interfaces.flatMap((i) => i.operations.map((o) => o.name)))].sort();

describe('the real-world WSDL corpus', () => {
  it('holds at least 60 WSDLs, WSDL 1.1 and 2.0', () => {
    expect(files.length).toBeGreaterThanOrEqual(60);
    const versions = new Set(files.map((f) => readWsdlFile(f).version));
    expect([...versions].sort()).toEqual(['1.1', '2.0']);
  });

  for (const file of files) {
    const name = relative(corpusDir, file);
    it(`${name}: the operations a SOAP stack finds, warnings iff --strict refuses, nothing read outside its folder`, async () => {
      const document = readWsdlFile(file);
      const reference = await soapOperations(file);
      const recorded = expected[name];
      const wanted = reference.length > 0 ? reference : typeof recorded === 'object' ? [...recorded.operations].sort() : null;
      expect(wanted, `${name}: soap finds no operation; record them in expected-operations.json`).not.toBeNull();
      expect(operationNames(document)).toEqual(wanted);
      if (reference.length > 0) expect(recorded, `${name}: soap reads it, drop it from expected-operations.json`).toBeUndefined();
      for (const reference of document.references) {
        if (reference.followed !== null) expect(relative(corpusDir, reference.followed).startsWith('..')).toBe(false);
      }
      for (const warning of document.warnings) expect(warning.line).toBeGreaterThan(0);
      let strictError: unknown = null;
      try {
        readWsdlFile(file, { strict: true });
      } catch (error) {
        strictError = error;
      }
      expect(strictError !== null, `${name}: ${document.warnings.length} warnings`).toBe(document.warnings.length > 0);
    });
  }

  it('as templates, each generates copies that keep every operation of the original', () => {
    for (const file of files) {
      const template = compileTemplate(readWsdlBytes(file), file, { importRoot: dirname(file) });
      const copy = parseWsdl(
        renderTemplate(template, { serviceName: 'Svc1', targetNamespace: 'http://gwscale.test/ws/Svc1', endpointBase: 'http://127.0.0.1:9' }),
        'copy.wsdl',
      );
      expect(operationNames(copy), file).toEqual(operationNames(readWsdlFile(file)));
      expect(
        copy.references.filter((r) => r.kind.startsWith('wsdl')),
        file,
      ).toEqual([]);
    }
  });

  it('gwscale wsdl check accepts every file (exit 0), printing its warnings; --strict refuses those with warnings', async () => {
    let out = '';
    let err = '';
    const io = { out: (t: string) => (out += t), err: (t: string) => (err += t) };
    expect(await main(['wsdl', 'check', ...files], io)).toBe(ExitCode.Ok);
    expect(out.split('\n').filter((l) => /: WSDL (1\.1|2\.0)/.test(l))).toHaveLength(files.length);
    const warned = new Set(
      err
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => {
          expect(l).toMatch(/^\S+:\d+: warning: /);
          return l.slice(0, l.indexOf(':'));
        }),
    );
    expect(warned.size).toBeGreaterThan(5);
    err = '';
    expect(await main(['wsdl', 'check', '--strict', ...files], io)).toBe(ExitCode.Input);
  });
});
