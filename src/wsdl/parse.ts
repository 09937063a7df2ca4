/**
 * `parseWsdl`: WSDL 1.1 or 2.0 text (or bytes in any encoding the prolog declares) → one model.
 * Never follows imports and never resolves entities; anything malformed or incomplete is a one-line
 * input error naming the file.
 */
import { readFileSync, statSync } from 'node:fs';
import { GwscaleError, inputError, messageOf } from '../errors.js';
import { formatBytes, MiB } from '../units.js';
import type { WsdlDocument } from './model.js';
import { WSDL11_NS, WSDL20_NS } from './namespaces.js';
import { parseWsdl11 } from './parse-wsdl11.js';
import { parseWsdl20 } from './parse-wsdl20.js';
import { decodeXmlBytes, stripBom } from './text-decoding.js';
import { parseXmlTree, type XmlElement } from './xml-tree.js';

/** Documents larger than this are refused before parsing; real WSDLs with inline schemas stay under 2 MiB. */
export const DEFAULT_MAX_WSDL_BYTES = 20 * MiB;

export interface ParseWsdlOptions {
  /** Refuse documents larger than this many bytes (characters for string input). Default {@link DEFAULT_MAX_WSDL_BYTES}. */
  readonly maxDocumentBytes?: number;
}

/** A parsed document with the decoded text and element tree it came from (templates rewrite the text in place). */
export interface ParsedWsdl {
  readonly document: WsdlDocument;
  readonly text: string;
  readonly root: XmlElement;
}

function checkSize(size: number, source: string, options: ParseWsdlOptions): void {
  const limit = options.maxDocumentBytes ?? DEFAULT_MAX_WSDL_BYTES;
  if (size > limit) {
    throw inputError(`${source}: is ${formatBytes(size)}, over the ${formatBytes(limit)} limit for a WSDL document`, 'raise the limit (--max-size) if the document is genuine');
  }
}

/** Parses and also returns the decoded text and the element tree. */
export function parseWsdlWithTree(input: string | Uint8Array, source: string, options: ParseWsdlOptions = {}): ParsedWsdl {
  checkSize(typeof input === 'string' ? input.length : input.byteLength, source, options);
  const text = typeof input === 'string' ? stripBom(input) : decodeXmlBytes(input, source);
  const root = parseXmlTree(text, source);
  let document: WsdlDocument;
  if (root.ns === WSDL11_NS && root.local === 'definitions') document = parseWsdl11(root, source);
  else if (root.ns === WSDL20_NS && root.local === 'description') document = parseWsdl20(root, source);
  else {
    const where = root.ns === '' ? 'in no namespace' : `in namespace ${root.ns}`;
    throw inputError(`${source}: root element is <${root.qname}> ${where}, not a WSDL`, `WSDL 1.1 starts with <definitions xmlns="${WSDL11_NS}">, WSDL 2.0 with <description xmlns="${WSDL20_NS}">`);
  }
  if (document.services.length === 0) {
    throw inputError(`${source}: defines no service`, 'gwscale registers services: the WSDL needs a <service> with an endpoint address (abstract, interface-only WSDLs cannot be registered)');
  }
  return { document, text, root };
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

/** Reads and parses a WSDL file. @throws GwscaleError (kind `input`) naming the file. */
export function readWsdlFile(path: string, options: ParseWsdlOptions = {}): WsdlDocument {
  return parseWsdl(readWsdlBytes(path, options), path, options);
}
