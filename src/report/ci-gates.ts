/**
 * CI gates: which outcomes fail the exit code (`--fail-on`, `--max-per-service`) and the JUnit
 * test cases that show why (`--junit`). Pure: a report (or an analysis) and the flags in; the exit
 * code, the cases and the XML out. The flags' option table is the CLI's (cli/commands/ci-options.ts).
 */
import type { Analysis } from '../analysis/analysis.js';
import type { VerdictKind } from '../analysis/verdict.js';
import type { RuleAnswer } from '../analysis/rules/rule.js';
import { usageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { formatBytes, formatBytesWithCi } from './format.js';
import { renderJunit, type JunitCase } from './junit.js';
import type { RunFacts } from './report-json.js';
import { ANSWER_WORDS, formatRuleNumber, VERDICT_KINDS, words } from './verdict-words.js';

export const FAIL_ON_CHOICES: readonly string[] = [...VERDICT_KINDS, 'none'];
export const DEFAULT_FAIL_ON: readonly VerdictKind[] = ['leak', 'concurrency-retention'];

/** The CI flags as parsed from the CLI's `ciOptions`. */
export interface CiFlags {
  /** Where to write JUnit XML; undefined for none. */
  readonly junit?: string | undefined;
  /** Verdict kinds that fail the exit code; `['none']` or `[]` for none. */
  readonly failOn: readonly string[];
  /** Largest acceptable memory per service, bytes (the point estimate is compared). */
  readonly maxPerService?: number | undefined;
}

/** Cross-checks of the CI flags (a command's `validate` calls it). */
export function validateCiFlags(flags: { readonly failOn?: readonly string[] | undefined }): void {
  if (flags.failOn === undefined) return;
  if (flags.failOn.includes('none') && flags.failOn.length > 1)
    throw usageError(
      `--fail-on: 'none' cannot be combined with ${flags.failOn.filter((k) => k !== 'none').join(', ')}`,
      'pass --fail-on none alone, or list the verdict kinds that should fail',
    );
}

/** What the gates read: an analysis, and for a run also its facts (state, crash, gateway version). */
export type GateSubject = Pick<Analysis, 'verdict' | 'perServiceBytes' | 'estimates'> &
  Partial<Pick<RunFacts, 'state' | 'crash' | 'target' | 'profile'>> & { readonly gateway?: { readonly version: string | null } };

export interface GateOutcome {
  /** The exit code the command should end with. */
  readonly exitCode: ExitCode;
  readonly cases: readonly JunitCase[];
  /** The cases that failed, in order; the first decided the exit code. */
  readonly failures: readonly JunitCase[];
  /** JUnit XML of the cases (write it when --junit was given). */
  readonly junitXml: string;
}

const FINDING_KIND: Partial<Record<RuleAnswer, VerdictKind>> = { leak: 'leak', 'concurrency-retention': 'concurrency-retention', bounded: 'bounded-retention' };

const exitCodeOfKind = (kind: string): ExitCode => (kind === 'concurrency-retention' ? ExitCode.ConcurrencyRetention : ExitCode.Leak);

/** A case with the exit code its failure means. */
export type GateCase = JunitCase & { readonly exitCode?: ExitCode };

/** The run's own outcome as a case (crash, interruption, failure come before any verdict). */
function runStateCase(subject: GateSubject): GateCase | null {
  if (subject.state === undefined) return null;
  const name = 'the run completed and the gateway did not crash';
  switch (subject.state) {
    case 'completed':
      return { classname: 'gwscale.run', name, outcome: 'passed' };
    case 'crashed': {
      const c = subject.crash;
      const detail = c === null || c === undefined ? undefined : [`crashed during ${c.phase} at ${c.services} services`, ...c.stderrTail].join('\n');
      return {
        classname: 'gwscale.run',
        name,
        outcome: 'failed',
        failureType: 'crash',
        message: `the gateway crashed${c ? ` during ${c.phase} at ${c.services} services` : ''}`,
        ...(detail === undefined ? {} : { detail }),
        exitCode: ExitCode.GatewayCrashed,
      };
    }
    case 'interrupted':
      return {
        classname: 'gwscale.run',
        name,
        outcome: 'failed',
        failureType: 'interrupted',
        message: 'the run was interrupted',
        exitCode: ExitCode.Interrupted,
      };
    case 'failed':
    case 'running':
      return { classname: 'gwscale.run', name, outcome: 'failed', failureType: 'failed', message: 'the run did not finish', exitCode: ExitCode.Gateway };
  }
}

/** The gate cases for one subject, in the order they decide the exit code. */
export function gateCases(subject: GateSubject, flags: Pick<CiFlags, 'failOn' | 'maxPerService'>): GateCase[] {
  const failOn = flags.failOn.filter((k) => k !== 'none');
  const cases: GateCase[] = [];
  const state = runStateCase(subject);
  if (state !== null) cases.push(state);
  const v = subject.verdict;
  const verdictFails = failOn.includes(v.kind);
  cases.push({
    classname: 'gwscale.verdict',
    name: failOn.length === 0 ? `verdict (no kind fails: --fail-on none)` : `verdict is not ${failOn.join(' or ')}`,
    outcome: verdictFails ? 'failed' : 'passed',
    ...(verdictFails ? { message: `verdict ${v.kind}`, failureType: v.kind, exitCode: exitCodeOfKind(v.kind) } : {}),
    detail: v.summary,
  });
  for (const r of v.reasons) {
    const finding = FINDING_KIND[r.answer];
    const numbers = Object.entries(r.numbers)
      .map(([k, n]) => `${words(k)}: ${formatRuleNumber(k, n)}`)
      .join('\n');
    const detail = `${r.reason}${numbers === '' ? '' : `\n${numbers}`}`;
    const name = `rule ${r.rule}`;
    if (finding !== undefined && failOn.includes(finding)) {
      cases.push({
        classname: 'gwscale.rules',
        name,
        outcome: 'failed',
        failureType: finding,
        message: `${ANSWER_WORDS[r.answer]}: ${r.reason}`,
        detail,
        exitCode: exitCodeOfKind(finding),
      });
    } else if (r.answer === 'no-say') {
      cases.push({ classname: 'gwscale.rules', name, outcome: 'skipped', message: `cannot tell${r.needs ? `; to decide: ${r.needs}` : ''}`, detail });
    } else {
      cases.push({ classname: 'gwscale.rules', name, outcome: 'passed', detail: `${ANSWER_WORDS[r.answer]}: ${detail}` });
    }
  }
  if (flags.maxPerService !== undefined) {
    const name = `memory per service ≤ ${formatBytes(flags.maxPerService)}`;
    const value = subject.perServiceBytes;
    const text = formatBytesWithCi(value, subject.estimates.perService?.ci95 ?? null);
    if (value === null) cases.push({ classname: 'gwscale.thresholds', name, outcome: 'skipped', message: 'no per-service estimate from these rows' });
    else if (value > flags.maxPerService)
      cases.push({
        classname: 'gwscale.thresholds',
        name,
        outcome: 'failed',
        failureType: 'threshold',
        message: `memory per service is ${text}, above ${formatBytes(flags.maxPerService)}`,
        exitCode: ExitCode.Leak,
      });
    else cases.push({ classname: 'gwscale.thresholds', name, outcome: 'passed', detail: `memory per service is ${text}` });
  }
  return cases;
}

/** The exit code of a list of gate cases: the first failure's, else 0. */
export function exitCodeOfCases(cases: readonly GateCase[]): ExitCode {
  return cases.find((c) => c.outcome === 'failed' && c.exitCode !== undefined)?.exitCode ?? ExitCode.Ok;
}

const strip = (c: GateCase): JunitCase => {
  const { exitCode: _exitCode, ...rest } = c;
  return rest;
};

/**
 * Applies the CI gates: the exit code (a crash, interruption or failed run first, then the verdict
 * kinds in --fail-on, then --max-per-service) and the JUnit XML of every case.
 * @param suiteName e.g. `gwscale run reference/retain-configs` or `gwscale analyze field.csv`.
 */
export function applyCiGates(subject: GateSubject, flags: Pick<CiFlags, 'failOn' | 'maxPerService'>, suiteName: string): GateOutcome {
  const cases = gateCases(subject, flags);
  const junitCases = cases.map(strip);
  const junitXml = renderJunit({
    name: suiteName,
    properties: {
      verdict: subject.verdict.kind,
      decidedBy: subject.verdict.decidedBy,
      perServiceBytes: subject.perServiceBytes,
      gatewayVersion: subject.gateway?.version ?? null,
      failOn: flags.failOn.join(','),
    },
    cases: junitCases,
  });
  return { exitCode: exitCodeOfCases(cases), cases: junitCases, failures: junitCases.filter((c) => c.outcome === 'failed'), junitXml };
}
