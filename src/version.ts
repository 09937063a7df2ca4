import { createRequire } from 'node:module';

const pkg = createRequire(import.meta.url)('../package.json') as { version: string };
/** gwscale's own version, recorded in every run. */
export const harnessVersion: string = pkg.version;
