/**
 * Lenient by default, strict on request: each place where a real-world WSDL breaks the letter of
 * the spec in a way SOAP stacks accept either records what gwscale assumed (a warning) or, with
 * `strict`, refuses the document with the error it always gave.
 */
import { inputError } from '../errors.js';
import type { WsdlWarning } from './model.js';

export class Recoveries {
  readonly warnings: WsdlWarning[] = [];

  constructor(readonly strict: boolean) {}

  /**
   * Records `assumed` as a warning on `file:line`, or (strict) throws `file: error`.
   * @throws GwscaleError (kind `input`) in strict mode.
   */
  note(file: string, line: number, assumed: string, error: string, hint?: string): void {
    if (this.strict) throw inputError(`${file}: ${error}`, hint ?? 'without --strict, gwscale reads it the way SOAP stacks do and warns');
    this.warnings.push({ file, line, message: assumed });
  }
}

/** One warning as a line: `FILE:LINE: warning: what was assumed`. */
export const formatWarning = (warning: WsdlWarning): string => `${warning.file}:${warning.line}: warning: ${warning.message}`;
