/** How verdicts, rule answers and rule numbers read in reports (HTML, Markdown, JUnit, compare). */
import type { VerdictKind } from '../analysis/verdict.js';
import type { RuleAnswer } from '../analysis/rules/rule.js';
import { formatBytes, formatCount, formatNumber } from './format.js';

export const VERDICT_KINDS: readonly VerdictKind[] = ['healthy', 'leak', 'bounded-retention', 'concurrency-retention', 'inconclusive'];

/** One line per verdict kind: what it means for the person reading. */
export const VERDICT_MEANING: Readonly<Record<VerdictKind, string>> = {
  healthy: 'memory grows with the services registered and nothing else: old configurations are released',
  leak: 'memory grows with every deploy and is never released: the gateway will run out of memory',
  'bounded-retention': 'the gateway keeps something that levels off: leak-like, but bounded',
  'concurrency-retention': 'the gateway keeps memory sized to the highest concurrency ever reached, and never gives it back',
  inconclusive: 'the measurements cannot decide; the tests say what would',
};

/** Badge class of a verdict kind (colours in page-style.ts). */
export const verdictClass = (kind: VerdictKind): string => `v-${kind}`;

/** How bad a verdict is, for comparisons: larger is worse; null when it says nothing. */
export function verdictSeverity(kind: VerdictKind): number | null {
  switch (kind) {
    case 'healthy':
      return 0;
    case 'bounded-retention':
      return 1;
    case 'concurrency-retention':
      return 2;
    case 'leak':
      return 3;
    case 'inconclusive':
      return null;
  }
}

export const ANSWER_WORDS: Readonly<Record<RuleAnswer, string>> = {
  leak: 'leak',
  'not-leak': 'no retention',
  bounded: 'bounded retention',
  'concurrency-retention': 'concurrency retention',
  fits: 'fits',
  misfit: 'no model fits',
  'no-say': 'cannot tell',
};

/** Badge class of a rule answer. */
export function answerClass(answer: RuleAnswer): string {
  if (answer === 'leak' || answer === 'concurrency-retention') return 'bad';
  if (answer === 'bounded') return 'warn';
  if (answer === 'not-leak' || answer === 'fits') return 'good';
  if (answer === 'misfit') return 'warn';
  return 'neutral';
}

/** A rule's number for people: byte quantities as sizes, service counts as counts, the rest to 3 digits. */
export function formatRuleNumber(key: string, value: number | null): string {
  if (value === null) return '—';
  if (/bytes/i.test(key)) return formatBytes(value);
  if (/services|rows|deploys|count|steps|concurrency/i.test(key) && Number.isInteger(value)) return formatCount(value);
  return formatNumber(value, 4);
}

/** `camelCaseKey` → `camel case key`. */
export const words = (key: string): string => key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
