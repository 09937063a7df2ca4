/**
 * Gateway admin credentials: from the environment or a private file, never from flags (they would
 * show in `ps` and shell history), generated per run when neither is given.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { usageError, inputError } from '../errors.js';

export interface Credentials {
  readonly user: string;
  readonly password: string;
  /** Where they came from, for the report (never the values). */
  readonly origin: 'generated' | 'environment' | 'file';
}

export const ENV_USER = 'GWSCALE_GATEWAY_USER';
export const ENV_PASSWORD = 'GWSCALE_GATEWAY_PASSWORD';
const DEFAULT_USER = 'gwscale';

/**
 * Reads a credentials file: a JSON object `{"user": "…", "password": "…"}`. Refused when group or
 * others may read it.
 */
export function readCredentialsFile(path: string): Credentials {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch {
    throw usageError(`--credentials-file ${path}: no such file`);
  }
  if ((mode & 0o077) !== 0) {
    throw usageError(`--credentials-file ${path}: readable by others (mode ${(mode & 0o777).toString(8)})`, `make it private: chmod 600 ${path}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    // The parser's message could quote the file's content: say only where the problem is.
    throw inputError(`${path}: not a JSON object`, 'write {"user": "admin", "password": "…"}');
  }
  const v = value as { user?: unknown; password?: unknown } | null;
  if (typeof v !== 'object' || v === null || typeof v.password !== 'string' || v.password === '') {
    throw inputError(`${path}: field password is missing or not text`, 'write {"user": "admin", "password": "…"}');
  }
  if (v.user !== undefined && typeof v.user !== 'string') throw inputError(`${path}: field user is not text`);
  return { user: v.user ?? DEFAULT_USER, password: v.password, origin: 'file' };
}

/** Credentials for this run: the file, else the environment, else freshly generated. */
export function resolveCredentials(file: string | null, env: NodeJS.ProcessEnv = process.env): Credentials {
  if (file !== null) return readCredentialsFile(file);
  const password = env[ENV_PASSWORD];
  if (password !== undefined && password !== '') return { user: env[ENV_USER] || DEFAULT_USER, password, origin: 'environment' };
  return { user: DEFAULT_USER, password: randomBytes(18).toString('base64url'), origin: 'generated' };
}
