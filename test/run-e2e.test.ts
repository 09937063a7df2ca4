/**
 * End to end: `gwscale run` of the compiled binary against the real reference gateway process:
 * the rows, the gateway-confirmed counts, the verdict's exit code, flags and config files.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../src/exit-codes.js';
import { gwscale } from './helpers/cli.js';
import { isAlive } from './helpers/process.js';
import { records } from './helpers/run-log.js';

const root = mkdtempSync(join(tmpdir(), 'gwscale-run-e2e-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Every process the run started (gateway starts are logged with their PID) is gone. */
function expectNoGatewayLeft(dir: string): void {
  const pids = records(dir).flatMap((r) => (r.type === 'gateway-start' && r.pid !== null ? [r.pid] : []));
  expect(pids.length).toBeGreaterThan(0);
  for (const pid of pids) expect(isAlive(pid), `gateway pid ${pid} still running`).toBe(false);
}

describe('gwscale run (binary, reference gateway)', () => {
  it('retain-configs: rounds, a restart and redeploys, counts confirmed by the gateway, leak exit code', async () => {
    const out = join(root, 'retain');
    const r = await gwscale([
      'run',
      '--profile',
      'retain-configs',
      '--services',
      '400',
      '--batch',
      '100',
      '--restart-at',
      '200',
      '--redeploys',
      '3',
      '--wsdl-version',
      'mixed',
      '--out',
      out,
      '--json',
    ]);
    expect(r.stderr).toContain('report:');
    const report = JSON.parse(r.stdout) as {
      state: string;
      rounds: { event: string; services: number; memoryBytes: number; memorySource: string; peakBytes: number | null }[];
      gatewayCounts: { matches: boolean; actual: Record<string, number | null> };
      verdict: { kind: string };
      overhead: { harnessCpuSeconds: number; gatewayCpuSeconds: number };
    };
    expect(report).toEqual(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')));
    expect(report.state).toBe('completed');
    expect(report.rounds.length).toBeGreaterThanOrEqual(8);
    expect(report.rounds.map((x) => x.event)).toEqual(['round', 'round', 'round', 'restart', 'round', 'round', 'redeploy', 'redeploy', 'redeploy']);
    expect(report.rounds.every((x) => x.memorySource === 'v8-heap-after-gc')).toBe(true);
    expect(report.rounds.filter((x) => x.event !== 'restart' && x.services > 0).every((x) => x.peakBytes !== null)).toBe(true);
    // The gateway's own listing: one group per service, 4 operations each, a request and a response policy per operation.
    expect(report.gatewayCounts.matches).toBe(true);
    expect(report.gatewayCounts.actual).toMatchObject({ serviceGroups: 400, services: 400, operations: 1600, attachedPolicies: 3200 });
    expect(report.verdict.kind).toBe('leak');
    expect(r.code).toBe(ExitCode.Leak);
    expect(report.overhead.gatewayCpuSeconds).toBeGreaterThan(0);
    for (const file of ['report.html', 'report.md', 'rounds.csv']) expect(existsSync(join(out, file))).toBe(true);
    expectNoGatewayLeft(out);
  });

  it('takes options from a config file, flags winning over it', async () => {
    const out = join(root, 'config');
    const config = join(root, 'run.json');
    writeFileSync(config, JSON.stringify({ profile: 'healthy', services: 900, batch: 50, verify: 'new', out: join(root, 'ignored') }));
    const r = await gwscale(['run', '--config', config, '--services', '100', '--out', out]);
    expect(r.code).toBe(ExitCode.Ok);
    const start = records(out)[0];
    expect(start?.type === 'run-start' && start.settings).toMatchObject({ profile: 'healthy', services: 100, batch: 50, verify: 'new' });
    expect(existsSync(join(root, 'ignored'))).toBe(false);
  });

  it('refuses bad flags and config values in one line naming the flag, exit 2', async () => {
    const bad = await gwscale(['run', '--services', 'lots']);
    expect(bad.code).toBe(ExitCode.Usage);
    expect(bad.stderr).toMatch(/^gwscale: --services: got "lots", expected a whole number from 1 to 1000000\n/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    const config = join(root, 'bad.json');
    writeFileSync(config, JSON.stringify({ servics: 10 }));
    const typo = await gwscale(['run', '--config', config]);
    expect(typo.code).toBe(ExitCode.Usage);
    expect(typo.stderr).toContain('servics');
    const batch = await gwscale(['run', '--services', '10', '--batch', '20']);
    expect(batch.code).toBe(ExitCode.Usage);
    expect(batch.stderr).toContain('--batch 20 is larger than --services 10');
    const repeats = await gwscale(['run', '--load-repeats', 'auto']);
    expect(repeats.code).toBe(ExitCode.Usage);
    expect(repeats.stderr).toContain('--load-repeats repeats the highest of --load-steps, and none were given');
    const badRepeats = await gwscale(['run', '--load-steps', '10,40', '--load-repeats', 'auto:0']);
    expect(badRepeats.code).toBe(ExitCode.Usage);
    expect(badRepeats.stderr).toContain('--load-repeats');
  });
});
