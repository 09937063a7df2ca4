/**
 * Follows `wsdl:import` / `wsdl:include` / `xsd:import` / `xsd:include` of local files, within the
 * folder of the file given (and below it), under the limits of the main document. Anything remote,
 * absolute, outside that folder (`../`, symlinks out) or missing is recorded, warned about and
 * never read or fetched.
 */
import { realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { inputError } from '../errors.js';
import type { WsdlReference } from './model.js';
import { WSDL11_NS, WSDL20_NS, XSD_NS } from './namespaces.js';
import type { Recoveries } from './recoveries.js';
import { attributeOf, childrenNamed, parseXmlTree, type UndeclaredPrefixHandler, type XmlElement } from './xml-tree.js';

/** Longest chain of imports followed (main → a → b … ); real split WSDLs use 2 or 3. */
export const MAX_IMPORT_DEPTH = 16;
/** Most local documents one WSDL may bring in; real split WSDLs bring a handful. */
export const MAX_IMPORTED_DOCUMENTS = 100;

/** A local WSDL document brought in by an import or include. */
export interface ImportedDocument {
  readonly source: string;
  readonly root: XmlElement;
  /** The decoded text the root was parsed from (templates copy its definitions). */
  readonly text: string;
}

export interface FollowedImports {
  /** Imported WSDL documents of the main document's version, in the order first reached. */
  readonly documents: readonly ImportedDocument[];
  readonly references: readonly WsdlReference[];
  /** True when some `wsdl:import`/`wsdl:include` was not read: references may point into it. */
  readonly unreadDefinitions: boolean;
}

export interface FollowOptions {
  /** Folder whose files may be read; undefined reads nothing (text input has no folder). */
  readonly importRoot: string | undefined;
  readonly maxDocumentBytes: number;
  readonly recoveries: Recoveries;
  readonly undeclaredPrefix: (source: string) => UndeclaredPrefixHandler;
  /** Reads a file's bytes under the size limit; decodes them to text. */
  readonly readText: (path: string) => { text: string; bytes: number };
}

type ReferenceKind = WsdlReference['kind'];

/** The import and include elements of a WSDL or schema document. */
function referenceElements(root: XmlElement): [ReferenceKind, XmlElement][] {
  const found: [ReferenceKind, XmlElement][] = [];
  const fromSchema = (schema: XmlElement): void => {
    for (const child of schema.children) {
      if (child.ns !== XSD_NS) continue;
      if (child.local === 'import') found.push(['schema-import', child]);
      else if (child.local === 'include' || child.local === 'redefine') found.push(['schema-include', child]);
    }
  };
  if (root.ns === XSD_NS && root.local === 'schema') {
    fromSchema(root);
    return found;
  }
  for (const child of root.children) {
    if (child.ns !== root.ns) continue;
    if (child.local === 'import') found.push(['wsdl-import', child]);
    else if (child.local === 'include') found.push(['wsdl-include', child]);
    else if (child.local === 'types') childrenNamed(child, XSD_NS, 'schema').forEach(fromSchema);
  }
  return found;
}

const hasScheme = (location: string): boolean => /^[A-Za-z][A-Za-z0-9+.-]*:/.test(location) && !/^[A-Za-z]:[\\/]/.test(location);

const inside = (root: string, path: string): boolean => {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
};

/** Walks the imports of `root` (read from `source`), breadth first. */
export function followLocalImports(root: XmlElement, source: string, options: FollowOptions): FollowedImports {
  const { recoveries } = options;
  const references: WsdlReference[] = [];
  const documents: ImportedDocument[] = [];
  let unreadDefinitions = false;
  const rootDir = options.importRoot === undefined ? undefined : safeRealpath(options.importRoot);
  const mainReal = rootDir === undefined ? undefined : safeRealpath(source);
  const visited = new Set<string>(mainReal === undefined ? [] : [mainReal]);
  let totalBytes = 0;
  const queue: { root: XmlElement; dir: string | undefined; depth: number }[] = [
    { root, dir: mainReal === undefined ? undefined : dirname(mainReal), depth: 0 },
  ];
  for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
    for (const [kind, element] of referenceElements(item.root)) {
      const location = attributeOf(element, kind.startsWith('schema') ? 'schemaLocation' : 'location')?.trim() ?? null;
      const namespace = kind === 'wsdl-include' || kind === 'schema-include' ? null : (attributeOf(element, 'namespace') ?? null);
      const isDefinitions = kind === 'wsdl-import' || kind === 'wsdl-include';
      const record = (followed: string | null, reason: string | null): void => {
        references.push({ kind, namespace, location, followed });
        if (followed !== null) return;
        if (isDefinitions) unreadDefinitions = true;
        if (reason !== null) {
          recoveries.note(
            element.source,
            element.line,
            `${kind} location ${location ?? ''} ${reason}; not read`,
            `${kind} location ${location ?? ''} ${reason}`,
            'keep the imported files beside the WSDL (in its folder or below), or drop --strict',
          );
        }
      };
      if (location === null || location === '' || item.dir === undefined || rootDir === undefined) {
        record(null, null);
        continue;
      }
      if (hasScheme(location)) {
        record(null, /^file:/i.test(location) ? 'is a file: URL (gwscale reads only relative paths)' : 'is remote (gwscale never fetches)');
        continue;
      }
      if (isAbsolute(location) || location.startsWith('\\')) {
        record(null, 'is an absolute path (gwscale reads only relative paths)');
        continue;
      }
      const path = resolve(item.dir, location.split(/[?#]/)[0] ?? location);
      const real = inside(rootDir, path) ? safeRealpath(path) : undefined;
      if (!inside(rootDir, path) || (real !== undefined && !inside(rootDir, real))) {
        record(null, `is outside the folder of ${source}`);
        continue;
      }
      if (real === undefined) {
        record(null, 'names no readable file');
        continue;
      }
      const shown = join(dirname(source), relative(dirname(mainReal ?? real), real));
      if (visited.has(real)) {
        record(shown, null);
        continue;
      }
      visited.add(real);
      if (item.depth + 1 > MAX_IMPORT_DEPTH) throw inputError(`${shown}: imports nest deeper than ${MAX_IMPORT_DEPTH} levels`, 'flatten the chain of imports');
      if (visited.size - 1 > MAX_IMPORTED_DOCUMENTS)
        throw inputError(`${source}: imports more than ${MAX_IMPORTED_DOCUMENTS} documents`, 'merge the imported documents');
      const { text, bytes } = options.readText(real);
      totalBytes += bytes;
      if (totalBytes > options.maxDocumentBytes)
        throw inputError(
          `${shown}: the imported documents of ${source} add up to more than the size limit of one WSDL`,
          'raise the limit (--max-size) if the documents are genuine',
        );
      const importedRoot = parseXmlTree(text, shown, { onUndeclaredPrefix: options.undeclaredPrefix(shown) });
      record(shown, null);
      const isWsdl = importedRoot.ns === root.ns && importedRoot.local === root.local;
      const isSchema = importedRoot.ns === XSD_NS && importedRoot.local === 'schema';
      if (isWsdl) documents.push({ source: shown, root: importedRoot, text });
      if (!isWsdl && !isSchema) {
        const other = importedRoot.ns === WSDL11_NS || importedRoot.ns === WSDL20_NS ? 'a WSDL of the other version' : `<${importedRoot.qname}>`;
        recoveries.note(
          shown,
          importedRoot.line,
          `is ${other}, neither a WSDL of this version nor an XML Schema; ignored`,
          `is ${other}, neither a WSDL of this version nor an XML Schema`,
        );
        continue;
      }
      queue.push({ root: importedRoot, dir: dirname(real), depth: item.depth + 1 });
    }
  }
  return { documents, references, unreadDefinitions };
}

function safeRealpath(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}
