/**
 * Entry of `npm run bench` (compiled to dist/.bench/bench/main.js). The compiled benches import the
 * harness as `../src/…`; that folder is made a link to the package's own build (dist/), so the
 * benches, their worker processes and `bin/gwscale.js` all run one and the same compiled harness
 * (and paths the harness finds from its own location, such as package.json, stay right).
 */
import { rmSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const compiledSrc = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');
rmSync(compiledSrc, { recursive: true, force: true });
symlinkSync('..', compiledSrc, 'dir');
await import('./index.js');
