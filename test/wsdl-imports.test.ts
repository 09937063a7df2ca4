/**
 * Local imports and includes: followed within the folder of the file given (and below), under the
 * limits of one document; everything else is recorded with a warning and never read or fetched —
 * `../` escapes, symlinks out of the folder, absolute paths, file: and http: URLs. Cycles end.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GwscaleError } from '../src/errors.js';
import { MAX_IMPORT_DEPTH, MAX_IMPORTED_DOCUMENTS, readWsdlFile } from '../src/wsdl/index.js';
import { tempDir } from './helpers/temp-dir.js';

const tmp = tempDir('gwscale-wsdl-imports-');
const WSDL = 'http://schemas.xmlsoap.org/wsdl/';

/** A WSDL 1.1 document in namespace urn:q holding `body` (definitions, imports). */
const wsdl = (body: string): string =>
  `<?xml version="1.0"?>\n<wsdl:definitions xmlns:wsdl="${WSDL}" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:tns="urn:q" targetNamespace="urn:q">\n${body}\n</wsdl:definitions>\n`;
const service = '<wsdl:service name="S"><wsdl:port name="P" binding="tns:B"><soap:address location="http://127.0.0.1:1/s"/></wsdl:port></wsdl:service>';
const binding =
  '<wsdl:binding name="B" type="tns:PT"><soap:binding transport="http://schemas.xmlsoap.org/soap/http"/><wsdl:operation name="Op"/></wsdl:binding>';
const portType = '<wsdl:portType name="PT"><wsdl:operation name="Op"><wsdl:input message="tns:In"/></wsdl:operation></wsdl:portType><wsdl:message name="In"/>';
const importOf = (location: string): string => `<wsdl:import namespace="urn:q" location="${location}"/>`;

function write(path: string, text: string): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

// A loopback server that counts requests: remote imports must never reach it.
let server: Server;
let hits = 0;
let base = '';
beforeAll(async () => {
  server = createServer((_req, res) => {
    hits++;
    res.end(wsdl(portType));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('local imports', () => {
  it('follow a wsdl:import beside the file, and below it, bringing in its operations', () => {
    const dir = join(tmp, 'beside');
    write(join(dir, 'abstract/types.wsdl'), wsdl(portType));
    const main = write(join(dir, 'main.wsdl'), wsdl(importOf('abstract/types.wsdl') + binding + service));
    const doc = readWsdlFile(main);
    expect(doc.interfaces.map((i) => [i.name, i.operations.map((o) => o.name)])).toEqual([['PT', ['Op']]]);
    expect(doc.references).toEqual([{ kind: 'wsdl-import', namespace: 'urn:q', location: 'abstract/types.wsdl', followed: join(dir, 'abstract/types.wsdl') }]);
    expect(doc.warnings).toEqual([]);
  });

  it('end at cycles (a imports b imports a)', () => {
    const dir = join(tmp, 'cycle');
    write(join(dir, 'b.wsdl'), wsdl(importOf('a.wsdl') + portType));
    const a = write(join(dir, 'a.wsdl'), wsdl(importOf('b.wsdl') + binding + service));
    const doc = readWsdlFile(a);
    expect(doc.interfaces.map((i) => i.name)).toEqual(['PT']);
    expect(doc.references.map((r) => r.followed)).toEqual([join(dir, 'b.wsdl'), join(dir, 'a.wsdl')]);
  });

  it('never leave the folder: ../, absolute paths, symlinks out, file: and http: URLs are warned about and not read', () => {
    const dir = join(tmp, 'hostile');
    const outside = write(join(tmp, 'outside.wsdl'), wsdl(portType));
    mkdirSync(dir, { recursive: true });
    symlinkSync(outside, join(dir, 'link.wsdl'));
    const locations = ['../outside.wsdl', outside, 'link.wsdl', `file://${outside}`, `${base}/remote.wsdl`, 'sub/../../outside.wsdl', 'missing.wsdl'];
    const main = write(join(dir, 'main.wsdl'), wsdl(locations.map(importOf).join('') + binding + service));
    const before = hits;
    const doc = readWsdlFile(main);
    expect(hits).toBe(before);
    expect(doc.references.map((r) => r.followed)).toEqual(locations.map(() => null));
    expect(doc.interfaces).toEqual([]);
    expect(doc.warnings.map((w) => w.message.replace(main, 'MAIN'))).toEqual([
      'wsdl-import location ../outside.wsdl is outside the folder of MAIN; not read',
      `wsdl-import location ${outside} is an absolute path (gwscale reads only relative paths); not read`,
      'wsdl-import location link.wsdl is outside the folder of MAIN; not read',
      `wsdl-import location file://${outside} is a file: URL (gwscale reads only relative paths); not read`,
      `wsdl-import location ${base}/remote.wsdl is remote (gwscale never fetches); not read`,
      'wsdl-import location sub/../../outside.wsdl is outside the folder of MAIN; not read',
      'wsdl-import location missing.wsdl names no readable file; not read',
    ]);
    expect(() => readWsdlFile(main, { strict: true })).toThrow(/wsdl-import location \.\.\/outside\.wsdl is outside the folder/);
  });

  it('are refused past the depth limit, the document count, or the size of one WSDL in total', () => {
    const deep = join(tmp, 'deep');
    for (let i = 1; i <= MAX_IMPORT_DEPTH + 1; i++) write(join(deep, `d${i}.wsdl`), wsdl(importOf(`d${i + 1}.wsdl`)));
    const deepMain = write(join(deep, 'main.wsdl'), wsdl(importOf('d1.wsdl') + portType + binding + service));
    expect(() => readWsdlFile(deepMain)).toThrow(new RegExp(`imports nest deeper than ${MAX_IMPORT_DEPTH} levels`));

    const wide = join(tmp, 'wide');
    const many = Array.from({ length: MAX_IMPORTED_DOCUMENTS + 1 }, (_, i) => write(join(wide, `w${i}.wsdl`), wsdl('')));
    const wideMain = write(join(wide, 'main.wsdl'), wsdl(many.map((_, i) => importOf(`w${i}.wsdl`)).join('') + portType + binding + service));
    expect(() => readWsdlFile(wideMain)).toThrow(new RegExp(`imports more than ${MAX_IMPORTED_DOCUMENTS} documents`));

    const big = join(tmp, 'big');
    write(join(big, 'a.wsdl'), wsdl(`<!-- ${'x'.repeat(3000)} -->`));
    write(join(big, 'b.wsdl'), wsdl(`<!-- ${'x'.repeat(3000)} -->`));
    const bigMain = write(join(big, 'main.wsdl'), wsdl(importOf('a.wsdl') + importOf('b.wsdl') + portType + binding + service));
    let error: unknown;
    try {
      readWsdlFile(bigMain, { maxDocumentBytes: 5000 });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(GwscaleError);
    expect((error as GwscaleError).message).toMatch(/the imported documents of .* add up to more than the size limit of one WSDL/);
  });

  it('an imported document with a DOCTYPE is refused like the main one', () => {
    const dir = join(tmp, 'doctype');
    write(
      join(dir, 'evil.wsdl'),
      `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><wsdl:definitions xmlns:wsdl="${WSDL}">&e;</wsdl:definitions>`,
    );
    const main = write(join(dir, 'main.wsdl'), wsdl(importOf('evil.wsdl') + portType + binding + service));
    expect(() => readWsdlFile(main)).toThrow(/evil\.wsdl: has a DOCTYPE declaration/);
  });
});
