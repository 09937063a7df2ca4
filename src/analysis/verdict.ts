/**
 * The verdict from the ordered rule chain. Rules run in a fixed order and every answer is kept;
 * the first finding (leak, concurrency-retention, bounded) decides. A `not-leak` is only about the
 * rows its rule reads, so it does not stop the chain: the verdict is healthy when no rule finds
 * retention and a deploy-side rule could have seen it, inconclusive when none could.
 */
import type { RuleAnswer, RuleName, RuleResult } from './rules/rule.js';

export type VerdictKind = 'healthy' | 'leak' | 'bounded-retention' | 'concurrency-retention' | 'inconclusive';

export interface Verdict {
  readonly kind: VerdictKind;
  /** True for `leak` (exit code 3). */
  readonly leak: boolean;
  /** The rule whose answer decided; null for healthy and inconclusive. */
  readonly decidedBy: RuleName | null;
  /** One sentence: the verdict and why. */
  readonly summary: string;
  /** Every rule's answer, in chain order. */
  readonly reasons: readonly RuleResult[];
  /** For inconclusive: measurements that would decide. */
  readonly needs: readonly string[];
}

const FINDINGS: Partial<Record<RuleAnswer, VerdictKind>> = {
  leak: 'leak',
  'concurrency-retention': 'concurrency-retention',
  bounded: 'bounded-retention',
};

/** Rules that read deploy rows; one of them must say not-leak for a healthy verdict. */
const DEPLOY_RULES: readonly RuleName[] = ['restart-drop', 'constant-services-trend', 'shape'];

/** Decides from the rules' answers, given in chain order. */
export function decide(reasons: readonly RuleResult[]): Verdict {
  for (const r of reasons) {
    const kind = FINDINGS[r.answer];
    if (kind !== undefined) {
      return { kind, leak: kind === 'leak', decidedBy: r.rule, summary: `${kind} (${r.rule}): ${r.reason}`, reasons, needs: [] };
    }
  }
  const clear = reasons.filter((r) => r.answer === 'not-leak' && DEPLOY_RULES.includes(r.rule));
  const open = reasons.filter((r) => r.sawRetention);
  if (clear.length > 0 && open.length === 0) {
    return {
      kind: 'healthy',
      leak: false,
      decidedBy: null,
      summary: `healthy: no rule found retention; ${clear.map((r) => r.rule).join(', ')} could have seen it.`,
      reasons,
      needs: [],
    };
  }
  const needs = [...new Set([...open, ...reasons].flatMap((r) => (r.needs === null ? [] : [r.needs])))];
  return {
    kind: 'inconclusive',
    leak: false,
    decidedBy: null,
    summary: `inconclusive: ${open.length > 0 ? `memory was held that no rule could classify (${open.map((r) => r.rule).join(', ')})` : 'too few rows or too much noise for any rule to decide'}${needs.length > 0 ? `; to decide, ${needs.join('; ')}` : ''}.`,
    reasons,
    needs,
  };
}
