/**
 * One error type for everything the user can fix: a bad flag, a bad WSDL, a dead gateway.
 * In CLI mode it becomes one line (plus a hint) and an exit code; in library mode it is thrown.
 */
import { ExitCode } from './exit-codes.js';

export type ErrorKind = 'usage' | 'input' | 'gateway' | 'internal';

const exitCodeOf: Record<ErrorKind, ExitCode> = {
  usage: ExitCode.Usage,
  input: ExitCode.Input,
  gateway: ExitCode.Gateway,
  internal: ExitCode.Internal,
};

export class GwscaleError extends Error {
  override readonly name = 'GwscaleError';
  /** What the user can do about it, printed after the message. */
  readonly hint: string | undefined;
  readonly kind: ErrorKind;
  readonly exitCode: ExitCode;

  constructor(kind: ErrorKind, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.hint = options.hint;
    this.exitCode = exitCodeOf[kind];
  }
}

export const usageError = (message: string, hint?: string): GwscaleError => new GwscaleError('usage', message, hint === undefined ? {} : { hint });
export const inputError = (message: string, hint?: string): GwscaleError => new GwscaleError('input', message, hint === undefined ? {} : { hint });
export const gatewayError = (message: string, options: { hint?: string; cause?: unknown } = {}): GwscaleError => new GwscaleError('gateway', message, options);

/** The message of anything thrown, on one line. */
export function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
