/**
 * Where the benches live. `npm run bench` runs them compiled (dist/.bench/bench/, so no tsx loader
 * sits in a measured process); `npx tsx bench/<name>.ts` runs one from source.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = join(dirname(fileURLToPath(import.meta.url)), '..');
/** True when the benches run compiled, false under tsx. */
const compiled = import.meta.url.endsWith('.js');

/** The package root (where bin/, dist/ and bench/ live). */
export const root = compiled ? join(benchDir, '..', '..', '..') : join(benchDir, '..');

/** bench/results/ in the package (not in the compiled copy). */
export const resultsDir = join(root, 'bench', 'results');

/**
 * Node arguments that run a sibling bench script (`null-gateway`, `harness-worker` …): its compiled
 * JS when the benches run compiled, else its TypeScript through tsx. Measured processes should run
 * compiled: a tsx loader in a process costs ≈90 µs of CPU per event-loop wake-up here.
 */
export function benchScript(name: string): string[] {
  return compiled ? [join(benchDir, `${name}.js`)] : ['--import', import.meta.resolve('tsx'), join(benchDir, `${name}.ts`)];
}
