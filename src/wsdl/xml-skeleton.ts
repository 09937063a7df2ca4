/**
 * The markup of a well-formed XML document without its character data, comments, CDATA and
 * processing instructions — which WSDL reading ignores — plus a map back to original offsets.
 * fast-xml-parser gathers text one character at a time, so a 20 MB text node would cost ~750 MB;
 * parsing the skeleton of a large document keeps memory proportional to its markup.
 */

/** Text runs up to this long (indentation, mostly) stay in; longer ones are cut. */
const KEEP_TEXT_CHARS = 32;

/** Longest tag or processing instruction accepted; the parser and validator also build tags a character at a time. */
export const MAX_TAG_CHARS = 64 * 1024;

/** A document beyond what gwscale parses; the message says which limit. */
export class XmlLimitError extends Error {}

export interface XmlSkeleton {
  readonly text: string;
  /** Maps an offset in `text` back to the same character in the original document. */
  readonly toOriginalOffset: (offset: number) => number;
}

// One character per step (no nested quantifier), so a tag without `>` cannot backtrack exponentially.
const tagEnd = /(?:[^>"']|"[^"]*"|'[^']*')*>/y;

/** How often a character occurs, counted without building anything. */
export function countChar(text: string, char: string): number {
  let count = 0;
  for (let at = text.indexOf(char); at >= 0; at = text.indexOf(char, at + 1)) count++;
  return count;
}

/**
 * Builds the skeleton of a document. Run it before the validator (which is slow on huge tags): a
 * malformed document gives a meaningless skeleton, but the validator then rejects the original.
 * `checkText` sees every cut run of character data, so entity references in it are still checked.
 * @throws XmlLimitError for a tag or processing instruction longer than {@link MAX_TAG_CHARS}.
 */
export function skeletonOf(text: string, checkText: (run: string) => void): XmlSkeleton {
  const kept: string[] = [];
  const skeletonStarts: number[] = [0];
  const originalStarts: number[] = [0];
  let skeletonLength = 0;
  let copyFrom = 0;
  const cut = (from: number, to: number): void => {
    kept.push(text.slice(copyFrom, from));
    skeletonLength += from - copyFrom;
    copyFrom = to;
    skeletonStarts.push(skeletonLength);
    originalStarts.push(to);
  };
  // `end` is -1 when the construct never closes: within the limit that is left for the validator to report.
  const checkedLength = (start: number, end: number): number => {
    if ((end < 0 ? text.length : end) - start > MAX_TAG_CHARS) {
      throw new XmlLimitError(`has a tag or processing instruction at character ${start} longer than ${MAX_TAG_CHARS / 1024} KiB`);
    }
    return end < 0 ? text.length : end;
  };
  let at = 0;
  while (at < text.length) {
    const lt = text.indexOf('<', at);
    const runEnd = lt < 0 ? text.length : lt;
    if (runEnd - at > KEEP_TEXT_CHARS) {
      checkText(text.slice(at, runEnd));
      cut(at, runEnd);
    }
    if (lt < 0) break;
    if (text.startsWith('<!--', lt) || text.startsWith('<![CDATA[', lt)) {
      const close = text.startsWith('<!--', lt) ? text.indexOf('-->', lt + 4) : text.indexOf(']]>', lt + 9);
      at = close < 0 ? text.length : close + 3;
      cut(lt, at);
    } else if (text.startsWith('<?', lt)) {
      const close = text.indexOf('?>', lt + 2);
      at = checkedLength(lt, close < 0 ? -1 : close + 2);
      cut(lt, at);
    } else {
      // A bounded search: an unterminated tag must not make the regex walk the whole document.
      const window = text.slice(lt + 1, lt + 1 + MAX_TAG_CHARS);
      tagEnd.lastIndex = 0;
      at = checkedLength(lt, tagEnd.test(window) ? lt + 1 + tagEnd.lastIndex : -1);
    }
  }
  kept.push(text.slice(copyFrom));
  return {
    text: kept.join(''),
    toOriginalOffset(offset) {
      let low = 0;
      let high = skeletonStarts.length - 1;
      while (low < high) {
        const mid = (low + high + 1) >>> 1;
        if ((skeletonStarts[mid] ?? 0) <= offset) low = mid;
        else high = mid - 1;
      }
      return (originalStarts[low] ?? 0) + offset - (skeletonStarts[low] ?? 0);
    },
  };
}
