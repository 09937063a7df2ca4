import { describe, expect, it } from 'vitest';
import { analyzeRounds } from '../src/analysis/analysis.js';
import { buildReport } from '../src/report/build.js';
import { applyCiGates, validateCiFlags } from '../src/report/ci-gates.js';
import { ExitCode } from '../src/exit-codes.js';
import { GwscaleError } from '../src/errors.js';
import { syntheticRunLog } from './report-fixtures.js';

const DEFAULT = { failOn: ['leak', 'concurrency-retention'] };
const leak = buildReport(syntheticRunLog({ profile: 'retain-configs' }));
const healthy = buildReport(syntheticRunLog({ profile: 'healthy' }));
const pool = buildReport(syntheticRunLog({ profile: 'operation-pool' }));
const crashed = buildReport(syntheticRunLog({ profile: 'retain-configs', restartAt: [], crashAt: 600 }));

describe('CI gates', () => {
  it('fails a leak with exit 3 and a concurrency retention with exit 4 by default', () => {
    expect(applyCiGates(leak, DEFAULT, 's').exitCode).toBe(ExitCode.Leak);
    expect(applyCiGates(pool, DEFAULT, 's').exitCode).toBe(ExitCode.ConcurrencyRetention);
    expect(applyCiGates(healthy, DEFAULT, 's').exitCode).toBe(ExitCode.Ok);
  });

  it('lets --fail-on choose the kinds, or none', () => {
    expect(applyCiGates(pool, { failOn: ['leak'] }, 's').exitCode).toBe(ExitCode.Ok);
    expect(applyCiGates(leak, { failOn: ['none'] }, 's').exitCode).toBe(ExitCode.Ok);
    expect(applyCiGates(healthy, { failOn: ['healthy'] }, 's').exitCode).toBe(ExitCode.Leak);
    expect(() => validateCiFlags({ failOn: ['none', 'leak'] })).toThrow(GwscaleError);
  });

  it('puts a crash before the verdict', () => {
    const g = applyCiGates(crashed, DEFAULT, 's');
    expect(g.exitCode).toBe(ExitCode.GatewayCrashed);
    expect(g.failures[0]?.failureType).toBe('crash');
    expect(g.junitXml).toContain('JavaScript heap out of memory');
  });

  it('fails --max-per-service on the point estimate', () => {
    const per = healthy.perServiceBytes!;
    expect(applyCiGates(healthy, { ...DEFAULT, maxPerService: per + 1 }, 's').exitCode).toBe(ExitCode.Ok);
    const over = applyCiGates(healthy, { ...DEFAULT, maxPerService: per - 1 }, 's');
    expect(over.exitCode).toBe(ExitCode.Leak);
    expect(over.failures.map((f) => f.failureType)).toEqual(['threshold']);
  });

  it('writes one JUnit case per rule and threshold, failing the rules that found the failing kind', () => {
    const g = applyCiGates(leak, { ...DEFAULT, maxPerService: 2 * 1024 * 1024 }, 'gwscale run reference/retain-configs');
    const ruleCases = g.cases.filter((c) => c.classname === 'gwscale.rules');
    expect(ruleCases.map((c) => c.name)).toEqual(leak.verdict.reasons.map((r) => `rule ${r.rule}`));
    const leakRules = leak.verdict.reasons.filter((r) => r.answer === 'leak').map((r) => `rule ${r.rule}`);
    expect(ruleCases.filter((c) => c.outcome === 'failed').map((c) => c.name)).toEqual(leakRules);
    expect(g.junitXml).toContain('<testsuite name="gwscale run reference/retain-configs"');
    expect(g.junitXml).toContain('<testcase classname="gwscale.thresholds" name="memory per service ≤ 2.00 MiB">');
    expect(g.junitXml).toMatch(/<testsuites name="gwscale" tests="\d+" failures="[1-9]\d*"/);
  });

  it('takes an analysis alone (gwscale analyze): no run case, the verdict decides', () => {
    const analysis = analyzeRounds(leak.rounds);
    const g = applyCiGates(analysis, DEFAULT, 'gwscale analyze rounds.csv');
    expect(g.exitCode).toBe(ExitCode.Leak);
    expect(g.cases.some((c) => c.classname === 'gwscale.run')).toBe(false);
  });
});
