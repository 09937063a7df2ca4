/** A number the analysis estimates, with its 95 % confidence interval, how it was found and from which rows. */
export interface Estimate<Method extends string = string> {
  readonly value: number;
  /** [low, high]; null when the rows allow no interval. */
  readonly ci95: readonly [number, number] | null;
  readonly method: Method;
  /** Indices of the rows it came from. */
  readonly rows: readonly number[];
  /** One sentence on where it came from. */
  readonly note: string;
}
