/**
 * One test of the verdict, as the report lists it (memlab's LeakFilterRuleList is the model for the
 * listing, not for the decision): each says what it found, in a plain sentence with its numbers.
 * The verdict is decided by the curve model as a whole (model/curve.ts) and the concurrency test;
 * these results let a reader follow that decision.
 */
export type RuleName = 'model-selection' | 'lack-of-fit' | 'retention' | 'equivalence' | 'restart' | 'concurrency';

/**
 * `leak`, `bounded` and `concurrency-retention` are findings; `not-leak` says the test's evidence
 * shows no retention; `fits` / `misfit` are the lack-of-fit test's answers; `no-say` says the rows
 * cannot tell.
 */
export type RuleAnswer = 'leak' | 'not-leak' | 'bounded' | 'concurrency-retention' | 'fits' | 'misfit' | 'no-say';

export interface RuleResult {
  readonly rule: RuleName;
  readonly answer: RuleAnswer;
  /** One plain sentence with the numbers. */
  readonly reason: string;
  /** The numbers the answer rests on (bytes as integers, ratios to 4 significant digits). */
  readonly numbers: Readonly<Record<string, number | null>>;
  /** For `no-say`: the measurement that would let this test answer (e.g. `add --redeploys 6`); else null. */
  readonly needs: string | null;
  /** Indices of the rows the test read. */
  readonly rows: readonly number[];
  /** True when the test saw memory held beyond noise that it could not classify (keeps the verdict from healthy). */
  readonly sawRetention: boolean;
}
