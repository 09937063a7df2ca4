/**
 * The documented Node-RED 3 vs 4 comparison (docs/comparisons/node-red-3-vs-4.md), smaller: both
 * versions installed from npm (into the test run's cache folder), one run each through the compiled
 * CLI on loopback, then `gwscale compare`. The doc's run is 1,000 services in rounds of 100 with 10
 * redeploys; this one is 200 in rounds of 50 with 3. It needs minutes, not seconds: two installs
 * from npm (30–65 s each, shared with node-red-target.test.ts through the run's cache folder) and two
 * real runs (≈65 s each on a loaded 2-core machine); it is the acceptance test of the
 * comparison, so it is kept whole rather than split.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ExitCode } from '../src/exit-codes.js';
import { gwscale, stopAll, type CliResult } from './helpers/cli.js';
import { tempDir } from './helpers/temp-dir.js';

const root = tempDir('gwscale-node-red-compare-');
const env = { ...process.env, GWSCALE_CACHE_DIR: inject('gwscaleCacheDir') };
const PLAN = ['--services', '200', '--batch', '50', '--redeploys', '3', '--verify', 'all', '--fail-on', 'none'];
const VERSIONS = { a: '3.1.15', b: '4.1.x' } as const;
const runs: Partial<Record<keyof typeof VERSIONS, CliResult>> = {};
/** An install from npm (first use of a version in this test run) plus the run itself, on a shared machine. */
const RUN_TIMEOUT = { timeoutMs: 600_000, env };

interface LogRecord {
  readonly type: string;
  readonly checked?: number;
  readonly failed?: number;
  readonly matches?: boolean;
}

function runLog(dir: string): LogRecord[] {
  return readFileSync(join(dir, 'run.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as LogRecord);
}

beforeAll(async () => {
  // One after the other: two Node-REDs at once would measure each other on two shared cores.
  for (const [key, version] of Object.entries(VERSIONS) as Array<[keyof typeof VERSIONS, string]>) {
    runs[key] = await gwscale(['run', '--target', 'node-red', '--gateway-version', version, ...PLAN, '--out', join(root, key), '--json'], RUN_TIMEOUT);
  }
}, 1_300_000);

afterAll(async () => {
  await stopAll();
}, 60_000);

describe('gwscale compare of Node-RED 3.1.15 and 4.1.x', () => {
  it('ran both versions with every probe answered and the listing matching after every deploy', () => {
    for (const [key, version] of Object.entries(VERSIONS) as Array<[keyof typeof VERSIONS, string]>) {
      const run = runs[key];
      expect({ code: run?.code, tail: run?.stderr.slice(-400) }).toMatchObject({ code: ExitCode.Ok });
      const report = JSON.parse(run?.stdout ?? '{}') as {
        gateway: { version: string };
        settings: Record<string, unknown>;
        rounds: Array<{ role: string; memorySource: string }>;
      };
      // The exact version installed is the report's gateway version; the one asked for is in the settings.
      expect(report.gateway.version).toMatch(version === '4.1.x' ? /^Node-RED 4\.1\.\d+$/ : /^Node-RED 3\.1\.15$/);
      expect(report.settings).toMatchObject({ target: 'node-red', gatewayVersion: version });
      expect(report.rounds.map((r) => r.role)).toEqual(['fresh-start', 'round', 'round', 'round', 'round', 'redeploy', 'redeploy', 'redeploy']);
      expect(new Set(report.rounds.map((r) => r.memorySource))).toEqual(new Set(['v8-heap-after-gc']));
      const log = runLog(join(root, key));
      expect(log.filter((r) => r.type === 'verify').map((r) => [r.checked, r.failed])).toEqual([
        [50, 0],
        [100, 0],
        [150, 0],
        [200, 0],
      ]);
      const listings = log.filter((r) => r.type === 'listing');
      // One after each round, one after the last redeploy.
      expect(listings).toHaveLength(5);
      expect(listings.every((r) => r.matches === true)).toBe(true);
    }
  });

  it('compares them like for like, with the significance of the memory per service', async () => {
    const r = await gwscale(['compare', join(root, 'a'), join(root, 'b'), '--json'], { timeoutMs: 60_000 });
    // 8 would be Node-RED 4 holding >10 % more per service beyond noise: a finding, not a harness failure.
    expect([ExitCode.Ok, ExitCode.Regression]).toContain(r.code);
    const c = JSON.parse(r.stdout) as {
      a: { gatewayVersion: string };
      b: { gatewayVersion: string };
      settingsDiffer: string[];
      perService: { ratio: number; ratioCi95: [number, number]; beyondNoise: boolean; text: string };
    };
    expect(c.a.gatewayVersion).toBe('Node-RED 3.1.15');
    expect(c.b.gatewayVersion).toMatch(/^Node-RED 4\.1\.\d+$/);
    // The version is what is compared, not a difference in the setup.
    expect(c.settingsDiffer).toEqual([]);
    expect(c.perService.ratioCi95[0]).toBeLessThanOrEqual(c.perService.ratio);
    expect(c.perService.ratioCi95[1]).toBeGreaterThanOrEqual(c.perService.ratio);
    console.log(`node-red 3.1.15 vs 4.1.x: ${c.perService.text}`);
  });
});
