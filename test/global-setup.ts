import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** gwscale's cache folder for this test run (Node-RED versions are installed there from npm, once per run). */
    gwscaleCacheDir: string;
  }
}

/**
 * Integration tests spawn compiled processes (the reference gateway, the CLI) from dist/. Tests that
 * install Node-RED share one cache folder per run: `GWSCALE_CACHE_DIR` when set (kept), else a
 * temporary one (removed at the end).
 */
export default function setup(project: TestProject): (() => void) | undefined {
  if (!existsSync(new URL('../dist/cli/main.js', import.meta.url))) {
    throw new Error('dist/ is missing: run `npm run build` (npm test does it) before vitest');
  }
  const own = process.env.GWSCALE_CACHE_DIR;
  if (own !== undefined && own !== '') {
    project.provide('gwscaleCacheDir', own);
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'gwscale-test-cache-'));
  project.provide('gwscaleCacheDir', dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
