import { existsSync } from 'node:fs';

/** Integration tests spawn compiled processes (the reference gateway, the CLI) from dist/. */
export default function setup(): void {
  if (!existsSync(new URL('../dist/cli/main.js', import.meta.url))) {
    throw new Error('dist/ is missing: run `npm run build` (npm test does it) before vitest');
  }
}
