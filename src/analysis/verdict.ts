/**
 * The verdict: the curve model's decision (model/curve.ts) for deploys, the concurrency test for
 * traffic steps, and every test listed with its numbers so a reader can follow the decision.
 * A leak from either side is a leak; a pool sized to the highest concurrency is
 * concurrency-retention; otherwise the curve decides.
 */
import { formatBytes } from '../units.js';
import type { CurveAnalysis } from './model/curve.js';
import { roundNumbers } from './numbers.js';
import type { RuleName, RuleResult } from './rules/rule.js';

export type VerdictKind = 'healthy' | 'leak' | 'bounded-retention' | 'concurrency-retention' | 'inconclusive';

export interface Verdict {
  readonly kind: VerdictKind;
  /** True for `leak` (exit code 3). */
  readonly leak: boolean;
  /** The test whose answer decided; null for inconclusive. */
  readonly decidedBy: RuleName | null;
  /** One sentence: the verdict and why. */
  readonly summary: string;
  /** Every test's answer, in RULE_ORDER. */
  readonly reasons: readonly RuleResult[];
  /** For inconclusive: measurements that would decide. */
  readonly needs: readonly string[];
}

/** The tests in the order the report lists them. */
export const RULE_ORDER: readonly RuleName[] = ['model-selection', 'lack-of-fit', 'retention', 'equivalence', 'restart', 'concurrency'];

const pct = (bytes: number, memory: number): string => `${((100 * bytes) / memory).toFixed(2)} %`;

/** The curve analysis as a list of tests, each with its answer and numbers. */
export function curveTests(c: CurveAnalysis): RuleResult[] {
  const rows = c.points.map((p) => p.index);
  const memory = c.points[c.points.length - 1]?.memoryBytes ?? 0;
  const out: RuleResult[] = [];
  const s = c.selection;
  if (s === null) {
    out.push({
      rule: 'model-selection',
      answer: 'no-say',
      reason: c.summary,
      numbers: roundNumbers({ points: c.points.length }),
      needs: c.needs[0] ?? null,
      rows,
      sawRetention: false,
    });
    return out;
  }
  const fitted = s.candidates.filter((x) => x.fit !== null);
  const accepted = s.steps.filter((x) => x.accepted).map((x) => `${x.to} (F = ${x.f.toPrecision(3)}, p = ${x.p.toPrecision(2)})`);
  const chosenAnswer =
    s.chosen.retention === 'none' ? 'not-leak' : s.chosen.retention === 'per-deploy' || s.chosen.retention === 'retained-configs' ? 'leak' : 'bounded';
  const gate = s.setAside.length === 0 ? '' : `; set aside: ${s.setAside.map((x) => `${x.name} (${x.term} p = ${x.p.toPrecision(2)})`).join(', ')}`;
  out.push({
    rule: 'model-selection',
    answer: chosenAnswer,
    reason: `${s.chosen.name} is chosen of ${fitted.length} candidates, built up from linear by nested F tests${accepted.length > 0 ? `: ${accepted.join(', then ')}` : ' (no extension was significant)'}; lowest AICc: ${s.bestByAicc.name}${gate}.`,
    numbers: roundNumbers({ candidates: fitted.length, scale: s.chosen.fit!.scale, dof: s.chosen.fit!.dof }),
    needs: null,
    rows,
    sawRetention: false,
  });
  const lof = c.lackOfFit;
  if (lof !== null) {
    out.push({
      rule: 'lack-of-fit',
      answer: lof.fits ? 'fits' : 'misfit',
      reason: lof.fits
        ? `The chosen model's residuals are within pure error (${c.pureError.source}) plus the between-deploy allowance: F = ${lof.f.toPrecision(3)} on (${lof.dof1}, ${Number.isFinite(lof.dof2) ? lof.dof2 : '∞'}) degrees of freedom, p = ${lof.p.toPrecision(2)}.`
        : `No candidate fits: residuals are ${Math.sqrt(lof.f).toPrecision(3)}× pure error plus allowance (F = ${lof.f.toPrecision(3)}, p = ${lof.p.toPrecision(2)}); furthest at row #${lof.worst?.index ?? '?'}.`,
      numbers: roundNumbers({
        f: lof.f,
        dof1: lof.dof1,
        dof2: Number.isFinite(lof.dof2) ? lof.dof2 : null,
        p: lof.p,
        pureErrorSdFraction: Math.sqrt(c.pureError.relativeVariance),
      }),
      needs: lof.fits ? null : (c.needs[1] ?? null),
      rows,
      sawRetention: !lof.fits,
    });
  }
  const k = c.keptPerDeploy[0];
  if (k !== undefined) {
    const leak = c.verdict === 'leak';
    out.push({
      rule: 'retention',
      answer: leak ? 'leak' : k.p < 0.001 && k.estimate > 0 ? 'no-say' : 'not-leak',
      reason: `Kept per deploy at ${k.atServices} services (${k.model}): ${formatBytes(k.estimate)} = ${pct(k.estimate, memory)} of memory (95 % CI ${formatBytes(k.ci95[0])} … ${formatBytes(k.ci95[1])}); one-sided p = ${k.p.toPrecision(2)} against a margin of ${formatBytes(c.marginBytes)}.`,
      numbers: roundNumbers({ keptPerDeployBytes: k.estimate, lowBytes: k.ci95[0], highBytes: k.ci95[1], p: k.p, marginBytes: c.marginBytes }),
      needs: null,
      rows,
      sawRetention: false,
    });
    const healthy = c.verdict === 'healthy';
    out.push({
      rule: 'equivalence',
      answer: healthy ? 'not-leak' : 'no-say',
      reason: `Equivalence (TOST): the 95 % upper bound of what a deploy keeps is ${formatBytes(k.upper)} (${pct(k.upper, memory)}), ${k.upper < c.marginBytes ? 'below' : 'not below'} the margin ${formatBytes(c.marginBytes)} (${pct(c.marginBytes, memory)}).`,
      numbers: roundNumbers({ upperBytes: k.upper, marginBytes: c.marginBytes, marginFraction: c.marginFraction }),
      needs: healthy || c.verdict !== 'inconclusive' ? null : (c.needs[0] ?? null),
      rows,
      sawRetention: false,
    });
  } else if (c.verdict === 'inconclusive') {
    out.push({
      rule: 'equivalence',
      answer: 'no-say',
      reason: 'What a deploy keeps cannot be separated from the live cost on these readings.',
      numbers: {},
      needs: c.needs[0] ?? null,
      rows,
      sawRetention: false,
    });
  }
  if (c.restarts.length > 0) {
    const open = c.restarts.filter((r) => r.released.ci95[0] > 0 && r.released.estimate >= c.marginBytes);
    out.push({
      rule: 'restart',
      answer: open.length === 0 ? 'not-leak' : c.verdict === 'leak' ? 'leak' : c.verdict === 'bounded-retention' ? 'bounded' : 'no-say',
      reason:
        c.restarts
          .map(
            (r) =>
              `restart at ${r.services} services released ${formatBytes(r.released.estimate)} beyond the model (95 % CI ${formatBytes(r.released.ci95[0])} … ${formatBytes(r.released.ci95[1])}) after ${r.deploysBefore} deploys`,
          )
          .join('; ') + '.',
      numbers: roundNumbers(
        Object.fromEntries(
          c.restarts.flatMap((r, i) => [
            [`released${i}Bytes`, r.released.estimate],
            [`released${i}LowBytes`, r.released.ci95[0]],
            [`released${i}HighBytes`, r.released.ci95[1]],
          ]),
        ),
      ),
      needs: null,
      rows: c.restarts.map((r) => r.index),
      sawRetention: open.length > 0 && c.verdict === 'inconclusive',
    });
  }
  return out;
}

/** Decides from the curve and the concurrency test. */
export function decide(curve: CurveAnalysis, concurrency: RuleResult): Verdict {
  const reasons = [...curveTests(curve), concurrency].sort((a, b) => RULE_ORDER.indexOf(a.rule) - RULE_ORDER.indexOf(b.rule));
  const verdict = (kind: VerdictKind, decidedBy: RuleName | null, summary: string, needs: readonly string[] = []): Verdict => ({
    kind,
    leak: kind === 'leak',
    decidedBy,
    summary,
    reasons,
    needs,
  });
  if (curve.verdict === 'leak') return verdict('leak', curve.decidedBy, `leak: ${curve.summary}`);
  if (concurrency.answer === 'leak') return verdict('leak', 'concurrency', `leak (traffic): ${concurrency.reason}`);
  if (concurrency.answer === 'concurrency-retention') return verdict('concurrency-retention', 'concurrency', `concurrency-retention: ${concurrency.reason}`);
  if (concurrency.sawRetention && curve.verdict === 'healthy') {
    return verdict(
      'inconclusive',
      null,
      `inconclusive: deploys keep nothing, but ${concurrency.reason}`,
      concurrency.needs === null ? [] : [concurrency.needs],
    );
  }
  if (curve.verdict === 'inconclusive') {
    const needs = [...curve.needs, ...(concurrency.sawRetention && concurrency.needs !== null ? [concurrency.needs] : [])];
    return verdict('inconclusive', null, `inconclusive: ${curve.summary}${needs.length > 0 ? `; to decide, ${needs[0]}` : ''}.`, needs);
  }
  return verdict(curve.verdict, curve.decidedBy, `${curve.verdict}: ${curve.summary}`);
}
