/**
 * `gwscale recipe check`: the shipped recipes that can run here, dry-run against real gateways the
 * recipes start themselves (Caddy from Debian, the reference gateway), and a selector that matches
 * nothing in a real answer named by file and JSON path.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../src/exit-codes.js';
import { gwscale, stopAll } from './helpers/cli.js';
import { tempDir } from './helpers/temp-dir.js';

const dir = tempDir('gwscale-recipe-check-');
afterAll(stopAll);

describe('gwscale recipe check', () => {
  it.each(['recipes/caddy.json', 'recipes/reference.json'])(
    '%s: registers, deploys, lists, verifies, reads memory and removes one service',
    async (file) => {
      const result = await gwscale(['recipe', 'check', file], { timeoutMs: 60_000 });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(ExitCode.Ok);
      const lines = result.stdout.trim().split('\n');
      expect(lines[0]).toBe(`${file}: recipe ${file.includes('caddy') ? 'caddy' : 'reference'} is well formed`);
      expect(result.stdout).toContain('the listing counts it');
      expect(result.stdout).toMatch(/a SOAP request through http:\/\/127\.0\.0\.1:\d+\/\S+ was answered with its policies applied/);
      expect(result.stdout).toMatch(/memory: [\d.]+ (KiB|MiB) \((go-heap-alloc-after-gc|v8-heap-after-gc), after GC\)/);
      expect(result.stdout).toContain('removed it; the listing is as it was');
      expect(lines.at(-1)).toBe('recipe ok');
    },
    90_000,
  );

  it('a list selector that matches nothing in the real answer is one line naming the file and JSON path', async () => {
    const recipe = JSON.parse(readFileSync('recipes/reference.json', 'utf8')) as { list: { services: unknown } };
    recipe.list.services = '$.activ.services';
    const file = join(dir, 'typo.json');
    writeFileSync(file, JSON.stringify(recipe));
    const result = await gwscale(['recipe', 'check', file], { timeoutMs: 60_000 });
    expect(result.code).toBe(ExitCode.Gateway);
    expect(result.stderr.split('\n')[0]).toBe(
      `gwscale: ${file}: $.list.services: selector "$.activ.services" matched nothing in the answer of GET /api/listing`,
    );
  }, 90_000);
});
