/**
 * Bytes → text for XML documents: byte-order marks, UTF-16 without a BOM, and the `encoding` of the
 * XML declaration (ISO-8859-1 and the other encodings Node's TextDecoder knows).
 */
import { inputError } from '../errors.js';

const BOM = '\uFEFF';

function hasPrefix(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return prefix.every((b, i) => bytes[i] === b);
}

/** The `encoding` pseudo-attribute of an ASCII-compatible XML declaration, lower-cased; null if none. */
function declaredEncoding(bytes: Uint8Array): string | null {
  const head = Buffer.from(bytes.subarray(0, 256)).toString('latin1');
  const match = /^<\?xml\s[^>]*?encoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]*)["']/.exec(head);
  return match?.[1]?.toLowerCase() ?? null;
}

function decodeWith(label: string, bytes: Uint8Array, source: string): string {
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(label, { fatal: true });
  } catch {
    throw inputError(
      `${source}: declares encoding "${label}", which gwscale cannot decode`,
      'save the file as UTF-8 (and fix the encoding in its <?xml ?> declaration)',
    );
  }
  try {
    return decoder.decode(bytes);
  } catch {
    throw inputError(`${source}: bytes are not valid ${label.toUpperCase()}`, 'check the encoding in the <?xml ?> declaration, or save the file as UTF-8');
  }
}

/**
 * Decodes an XML document's bytes. A BOM wins over the declaration; without either the text is UTF-8.
 * UTF-32 is refused: no WSDL tool writes it.
 */
export function decodeXmlBytes(bytes: Uint8Array, source: string): string {
  if (hasPrefix(bytes, [0xff, 0xfe, 0x00, 0x00]) || hasPrefix(bytes, [0x00, 0x00, 0xfe, 0xff])) {
    throw inputError(`${source}: is UTF-32, which gwscale does not read`, 'save the file as UTF-8');
  }
  if (hasPrefix(bytes, [0xef, 0xbb, 0xbf])) return decodeWith('utf-8', bytes.subarray(3), source);
  if (hasPrefix(bytes, [0xff, 0xfe])) return decodeWith('utf-16le', bytes.subarray(2), source);
  if (hasPrefix(bytes, [0xfe, 0xff])) return decodeWith('utf-16be', bytes.subarray(2), source);
  // `<?` in UTF-16 without a BOM (XML 1.0 appendix F).
  if (hasPrefix(bytes, [0x3c, 0x00, 0x3f, 0x00])) return decodeWith('utf-16le', bytes, source);
  if (hasPrefix(bytes, [0x00, 0x3c, 0x00, 0x3f])) return decodeWith('utf-16be', bytes, source);
  const declared = declaredEncoding(bytes);
  // A declaration read as ASCII cannot truly be UTF-16/32; such files are 8-bit text mislabelled by their tool.
  if (declared === null || declared.startsWith('utf-16') || declared.startsWith('utf-32') || declared === 'unicode') {
    try {
      return stripBom(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch {
      throw inputError(
        `${source}: is not valid UTF-8, and its <?xml ?> declaration names no other encoding`,
        'declare the real encoding, e.g. <?xml version="1.0" encoding="ISO-8859-1"?>, or save the file as UTF-8',
      );
    }
  }
  return decodeWith(declared, bytes, source);
}

/** Drops a leading byte-order mark from already-decoded text. */
export function stripBom(text: string): string {
  return text.startsWith(BOM) ? text.slice(1) : text;
}
