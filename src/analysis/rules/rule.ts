/**
 * One rule of the verdict chain (memlab's LeakFilterRuleList is the model): each rule reads the
 * rows it knows about and answers, with a plain reason and the numbers behind it.
 */
export type RuleName = 'restart-drop' | 'constant-services-trend' | 'shape' | 'concurrency' | 'plateau';

/**
 * `leak`, `bounded` and `concurrency-retention` are findings; `not-leak` says the rule's rows show
 * no retention although it could have seen some; `no-say` says the rows cannot tell.
 */
export type RuleAnswer = 'leak' | 'not-leak' | 'bounded' | 'concurrency-retention' | 'no-say';

export interface RuleResult {
  readonly rule: RuleName;
  readonly answer: RuleAnswer;
  /** One plain sentence with the numbers. */
  readonly reason: string;
  /** The numbers the answer rests on (bytes as integers, ratios to 4 significant digits). */
  readonly numbers: Readonly<Record<string, number | null>>;
  /** For `no-say`: the measurement that would let this rule answer (e.g. `add --redeploys 6`); else null. */
  readonly needs: string | null;
  /** Indices of the rows the rule read. */
  readonly rows: readonly number[];
  /**
   * True when the rule saw memory held beyond noise that it could not classify (a `no-say` that
   * must keep the verdict from being healthy).
   */
  readonly sawRetention: boolean;
}
