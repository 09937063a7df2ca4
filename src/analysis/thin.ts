/** Thins a long series to block means, so that O(n²) statistics (Mann–Kendall, Theil–Sen) stay fast on 10,000 rows. */

/** Longer series are reduced to this many block means. */
export const MAX_PAIRWISE_POINTS = 300;

/** Block means of at most MAX_PAIRWISE_POINTS blocks (the series itself when short enough), and the block size. */
export function thinToBlocks(values: readonly number[]): { values: number[]; blockSize: number } {
  if (values.length <= MAX_PAIRWISE_POINTS) return { values: [...values], blockSize: 1 };
  const blockSize = Math.ceil(values.length / MAX_PAIRWISE_POINTS);
  const out: number[] = [];
  for (let i = 0; i < values.length; i += blockSize) {
    const block = values.slice(i, i + blockSize);
    out.push(block.reduce((s, v) => s + v, 0) / block.length);
  }
  return { values: out, blockSize };
}
