/** `gwscale wsdl check`: parse files and report what each holds; outcomes as data, one per file. */
import { GwscaleError, messageOf } from '../errors.js';
import type { WsdlDocument } from './model.js';
import { readWsdlFile, type ParseWsdlOptions } from './parse.js';

/** What checking one file gave: the parsed document, or the one-line reason it failed. */
export type WsdlCheckResult =
  | { readonly file: string; readonly state: 'ok'; readonly document: WsdlDocument }
  | { readonly file: string; readonly state: 'error'; readonly message: string; readonly hint: string | null };

/** Checks each file independently; a bad file never stops the others. Backs `gwscale wsdl check`. */
export function checkWsdlFiles(files: readonly string[], options: ParseWsdlOptions = {}): WsdlCheckResult[] {
  return files.map((file): WsdlCheckResult => {
    try {
      return { file, state: 'ok', document: readWsdlFile(file, options) };
    } catch (error) {
      if (error instanceof GwscaleError && error.kind === 'input') return { file, state: 'error', message: messageOf(error), hint: error.hint ?? null };
      throw error;
    }
  });
}
