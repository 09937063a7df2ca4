/**
 * JUnit XML, the format every CI server reads (Jenkins, GitLab, GitHub test reporters): one test
 * case per verdict rule and per threshold, so a CI page shows why a run failed without opening
 * the report. No timestamps or durations, so the same verdict always gives the same bytes.
 */
import { escapeXml } from './escape.js';

/** One check as CI shows it. */
export interface JunitCase {
  /** Groups cases in the CI view, e.g. `gwscale.rules`, `gwscale.thresholds`. */
  readonly classname: string;
  readonly name: string;
  readonly outcome: 'passed' | 'failed' | 'skipped';
  /** One line: why it failed or was skipped (the failure's `message`). */
  readonly message?: string;
  /** Longer text: the numbers behind the outcome (the failure's body, or system-out when passed). */
  readonly detail?: string;
  /** For failures: a short kind, e.g. `leak`, `regression`, `threshold`. */
  readonly failureType?: string;
}

export interface JunitSuite {
  /** e.g. `gwscale run reference/retain-configs`. */
  readonly name: string;
  /** Facts shown as suite properties (verdict, versions, report path). */
  readonly properties: Readonly<Record<string, string | number | boolean | null>>;
  readonly cases: readonly JunitCase[];
}

/** Renders one suite as a JUnit XML document (a `<testsuites>` holding one `<testsuite>`). */
export function renderJunit(suite: JunitSuite): string {
  const failures = suite.cases.filter((c) => c.outcome === 'failed').length;
  const skipped = suite.cases.filter((c) => c.outcome === 'skipped').length;
  const counts = `tests="${suite.cases.length}" failures="${failures}" errors="0" skipped="${skipped}"`;
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="gwscale" ${counts}>`, `  <testsuite name="${escapeXml(suite.name)}" ${counts}>`];
  const props = Object.entries(suite.properties).filter(([, v]) => v !== null);
  if (props.length > 0) {
    lines.push('    <properties>');
    for (const [k, v] of props) lines.push(`      <property name="${escapeXml(k)}" value="${escapeXml(v)}"/>`);
    lines.push('    </properties>');
  }
  for (const c of suite.cases) {
    const open = `    <testcase classname="${escapeXml(c.classname)}" name="${escapeXml(c.name)}"`;
    if (c.outcome === 'passed' && c.detail === undefined) {
      lines.push(`${open}/>`);
      continue;
    }
    lines.push(`${open}>`);
    if (c.outcome === 'failed') {
      const type = c.failureType === undefined ? '' : ` type="${escapeXml(c.failureType)}"`;
      lines.push(`      <failure message="${escapeXml(c.message ?? 'failed')}"${type}>${escapeXml(c.detail ?? c.message ?? '')}</failure>`);
    } else if (c.outcome === 'skipped') {
      lines.push(`      <skipped message="${escapeXml(c.message ?? 'not applicable')}"/>`);
      if (c.detail !== undefined) lines.push(`      <system-out>${escapeXml(c.detail)}</system-out>`);
    } else {
      lines.push(`      <system-out>${escapeXml(c.detail ?? '')}</system-out>`);
    }
    lines.push('    </testcase>');
  }
  lines.push('  </testsuite>', '</testsuites>');
  return lines.join('\n') + '\n';
}
