/**
 * The exit code and JUnit cases of `gwscale compare`: a regression of B against A is exit 8; B's
 * own verdict and per-service memory fail only when --fail-on / --max-per-service are given.
 */
import { ExitCode } from '../exit-codes.js';
import { exitCodeOfCases, gateCases, type CiFlags, type GateCase, type GateSubject } from './ci-gates.js';
import type { Comparison } from './compare.js';
import { renderJunit, type JunitCase } from './junit.js';

export interface CompareGateOutcome {
  readonly exitCode: ExitCode;
  readonly cases: readonly JunitCase[];
  readonly junitXml: string;
}

/** Cases of the comparison itself. */
export function comparisonCases(c: Comparison): GateCase[] {
  const p = c.perService;
  const perService: GateCase =
    p.direction === 'unknown'
      ? { classname: 'gwscale.compare', name: 'memory per service: B not worse than A beyond noise', outcome: 'skipped', message: p.text }
      : p.regression
        ? {
            classname: 'gwscale.compare',
            name: 'memory per service: B not worse than A beyond noise',
            outcome: 'failed',
            failureType: 'regression',
            message: p.text,
            exitCode: ExitCode.Regression,
          }
        : { classname: 'gwscale.compare', name: 'memory per service: B not worse than A beyond noise', outcome: 'passed', detail: p.text };
  const verdict: GateCase = c.verdict.newLeak
    ? {
        classname: 'gwscale.compare',
        name: 'verdict: B does not leak where A did not',
        outcome: 'failed',
        failureType: 'regression',
        message: c.verdict.text,
        exitCode: ExitCode.Regression,
      }
    : { classname: 'gwscale.compare', name: 'verdict: B does not leak where A did not', outcome: 'passed', detail: c.verdict.text };
  const info: GateCase[] = c.metrics
    .filter((m) => m.a !== null || m.b !== null)
    .map((m) => ({
      classname: 'gwscale.compare.numbers',
      name: m.label,
      outcome: 'passed',
      detail: `A ${String(m.a)}, B ${String(m.b)}, direction ${m.direction}`,
    }));
  return [perService, verdict, ...info];
}

/**
 * Exit code: 8 on a regression; else B's --fail-on / --max-per-service gates (3 or 4); else 0.
 * @param b B's report, for its own gates.
 */
export function applyCompareGates(c: Comparison, b: GateSubject, flags: Pick<CiFlags, 'failOn' | 'maxPerService'>): CompareGateOutcome {
  const own = comparisonCases(c);
  // B's run state is not compare's to judge: its gates are the verdict and thresholds only.
  const { state: _state, ...verdictOnly } = b;
  const bCases = gateCases(verdictOnly, flags).map((k) => ({ ...k, classname: k.classname.replace(/^gwscale\./, 'gwscale.b.') }));
  const all = [...own, ...bCases];
  const cases = all.map(({ exitCode: _exitCode, ...rest }) => rest);
  const junitXml = renderJunit({
    name: `gwscale compare ${c.a.label} vs ${c.b.label}`,
    properties: {
      conclusion: c.conclusion.kind,
      regression: c.regression,
      verdictA: c.verdict.a,
      verdictB: c.verdict.b,
      gatewayA: c.a.gatewayVersion,
      gatewayB: c.b.gatewayVersion,
    },
    cases,
  });
  return { exitCode: exitCodeOfCases(all), cases, junitXml };
}
