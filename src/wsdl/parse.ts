/**
 * `parseWsdl`: WSDL 1.1 or 2.0 text (or bytes in any encoding the prolog declares) → one model.
 * Never resolves entities and never fetches; follows imports of local files only within the
 * folder named by `importRoot`. Unsafe or unusable input is a one-line input error naming the file;
 * what SOAP stacks accept against the letter of the spec is read with a warning (or, with `strict`,
 * refused).
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { GwscaleError, inputError, messageOf } from '../errors.js';
import { formatBytes, MiB } from '../units.js';
import type { WsdlDocument } from './model.js';
import { WSDL11_NS, WSDL20_NS } from './namespaces.js';
import { followLocalImports, type ImportedDocument } from './local-imports.js';
import { parseWsdl11 } from './parse-wsdl11.js';
import { parseWsdl20 } from './parse-wsdl20.js';
import { Recoveries } from './recoveries.js';
import { decodeXmlBytes, stripBom } from './text-decoding.js';
import { parseXmlTree, type UndeclaredPrefixHandler, type XmlElement } from './xml-tree.js';

/** Documents larger than this are refused before parsing; real WSDLs with inline schemas stay under 2 MiB. */
export const DEFAULT_MAX_WSDL_BYTES = 20 * MiB;

export interface ParseWsdlOptions {
  /** Refuse documents larger than this many bytes (characters for string input). Default {@link DEFAULT_MAX_WSDL_BYTES}. */
  readonly maxDocumentBytes?: number;
  /** Refuse what would otherwise be read with a warning (undeclared prefixes, dangling references …). Default false. */
  readonly strict?: boolean;
  /**
   * Folder whose files (and those of its subfolders) local imports and includes may read; unset,
   * nothing is read. `readWsdlFile` and `loadTemplates` set it to the folder of the file given.
   */
  readonly importRoot?: string;
}

/** A parsed document with the decoded text and element tree it came from (templates rewrite the text in place). */
export interface ParsedWsdl {
  readonly document: WsdlDocument;
  readonly text: string;
  readonly root: XmlElement;
  /** Local WSDL documents of the same version it imports or includes (followed), with their text. */
  readonly imported: readonly ImportedDocument[];
}

function checkSize(size: number, source: string, options: ParseWsdlOptions): void {
  const limit = options.maxDocumentBytes ?? DEFAULT_MAX_WSDL_BYTES;
  if (size > limit) {
    throw inputError(
      `${source}: is ${formatBytes(size)}, over the ${formatBytes(limit)} limit for a WSDL document`,
      'raise the limit (--max-size) if the document is genuine',
    );
  }
}

function undeclaredPrefixHandler(recoveries: Recoveries): (source: string) => UndeclaredPrefixHandler {
  if (recoveries.strict) return () => null;
  return (source) => (prefix, ns, line, qname) => {
    recoveries.note(source, line, `prefix "${prefix}" (of ${qname}) is not declared; assumed xmlns:${prefix}="${ns}"`, `prefix "${prefix}" is not declared`);
  };
}

/** Parses and also returns the decoded text and the element tree. */
export function parseWsdlWithTree(input: string | Uint8Array, source: string, options: ParseWsdlOptions = {}): ParsedWsdl {
  checkSize(typeof input === 'string' ? input.length : input.byteLength, source, options);
  const text = typeof input === 'string' ? stripBom(input) : decodeXmlBytes(input, source);
  const recoveries = new Recoveries(options.strict ?? false);
  const undeclaredPrefix = undeclaredPrefixHandler(recoveries);
  const root = parseXmlTree(text, source, { onUndeclaredPrefix: undeclaredPrefix(source) });
  const isWsdl11 = root.ns === WSDL11_NS && root.local === 'definitions';
  const isWsdl20 = root.ns === WSDL20_NS && root.local === 'description';
  if (!isWsdl11 && !isWsdl20) {
    const where = root.ns === '' ? 'in no namespace' : `in namespace ${root.ns}`;
    throw inputError(
      `${source}: root element is <${root.qname}> ${where}, not a WSDL`,
      `WSDL 1.1 starts with <definitions xmlns="${WSDL11_NS}">, WSDL 2.0 with <description xmlns="${WSDL20_NS}">`,
    );
  }
  const followed = followLocalImports(root, source, {
    importRoot: options.importRoot,
    maxDocumentBytes: options.maxDocumentBytes ?? DEFAULT_MAX_WSDL_BYTES,
    recoveries,
    undeclaredPrefix,
    readText: (path) => {
      const bytes = readWsdlBytes(path, options);
      return { text: decodeXmlBytes(bytes, path), bytes: bytes.byteLength };
    },
  });
  const parts = { root, source, imported: followed.documents, references: followed.references, unreadDefinitions: followed.unreadDefinitions, recoveries };
  const document: WsdlDocument = isWsdl11 ? parseWsdl11(parts) : parseWsdl20(parts);
  if (document.services.length === 0) {
    throw inputError(
      `${source}: defines no service`,
      'gwscale registers services: the WSDL needs a <service> with an endpoint address (abstract, interface-only WSDLs cannot be registered)',
    );
  }
  return { document, text, root, imported: followed.documents };
}

/**
 * Parses a WSDL 1.1 or 2.0 document. `source` (file path or URL) names the document in errors.
 * @throws GwscaleError (kind `input`) with one line naming `source` and what is wrong.
 */
export function parseWsdl(input: string | Uint8Array, source: string, options: ParseWsdlOptions = {}): WsdlDocument {
  return parseWsdlWithTree(input, source, options).document;
}

/** Reads a WSDL file's bytes, refusing oversized files before reading them. */
export function readWsdlBytes(path: string, options: ParseWsdlOptions = {}): Uint8Array {
  let size: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw inputError(`${path}: is not a file`);
    size = stat.size;
  } catch (error) {
    if (error instanceof GwscaleError) throw error;
    throw inputError(`${path}: cannot read the file (${messageOf(error)})`);
  }
  checkSize(size, path, options);
  try {
    return readFileSync(path);
  } catch (error) {
    throw inputError(`${path}: cannot read the file (${messageOf(error)})`);
  }
}

/**
 * Reads and parses a WSDL file, following local imports within its folder (and below).
 * @throws GwscaleError (kind `input`) naming the file.
 */
export function readWsdlFile(path: string, options: ParseWsdlOptions = {}): WsdlDocument {
  return parseWsdl(readWsdlBytes(path, options), path, { importRoot: dirname(path), ...options });
}
