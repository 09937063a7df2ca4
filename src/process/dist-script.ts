/**
 * Where a compiled process entry point lives. Child processes always run compiled JS from `dist/`,
 * also when the code spawning them runs from `src/` (vitest), so the path is found from the
 * package root rather than from the caller's own location.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gatewayError } from '../errors.js';

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw gatewayError('cannot find the gwscale package root (no package.json above the code)');
    dir = up;
  }
  return dir;
}

/** Absolute path of `dist/<relative>`; a one-line error naming the fix when it was not built. */
export function distScript(relative: string): string {
  const path = join(packageRoot(), 'dist', relative);
  if (!existsSync(path)) throw gatewayError(`${path} is missing`, { hint: 'run `npm run build` first' });
  return path;
}
