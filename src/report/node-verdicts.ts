/**
 * A gateway read on several nodes (`--memory-source`, a recipe with several memory sources): the
 * row's memory is their sum, and each node's reading is kept as `node<i>Bytes`. Each node is also
 * analysed on its own, so a leak on one node of a cluster is not hidden in the sum. Pure.
 */
import { analyzeRounds, type AnalysisOptions } from '../analysis/analysis.js';
import type { Round } from '../run-log/round.js';

export interface NodeVerdict {
  /** `node0`, `node1` … in the order the sources were given (the target's own reading first). */
  readonly node: string;
  readonly verdict: string;
  readonly summary: string;
  readonly perServiceBytes: number | null;
  readonly retainedPerDeployBytes: number | null;
  /** The node's memory at each measured row, for its curve. */
  readonly points: readonly { readonly index: number; readonly services: number; readonly memoryBytes: number }[];
}

const NODE_KEY = /^node(\d+)Bytes$/;

/** One analysis per node; empty when the run read a single node. */
export function nodeVerdictsOf(rounds: readonly Round[], options: AnalysisOptions): NodeVerdict[] {
  const keys = new Set<string>();
  for (const r of rounds) for (const key of Object.keys(r.extra ?? {})) if (NODE_KEY.test(key)) keys.add(key);
  return [...keys]
    .sort((a, b) => Number(NODE_KEY.exec(a)?.[1]) - Number(NODE_KEY.exec(b)?.[1]))
    .map((key) => {
      // The node's own reading stands for the row; a row without it (a crash row) is left out.
      const rows = rounds.flatMap((r): Round[] => {
        const bytes = r.extra?.[key];
        if (bytes === undefined) return [];
        const { readingsBytes: _all, ...row } = r;
        return [{ ...row, memoryBytes: bytes }];
      });
      const a = analyzeRounds(rows, options);
      return {
        node: key.replace(/Bytes$/, ''),
        verdict: a.verdict.kind,
        summary: a.verdict.summary,
        perServiceBytes: a.perServiceBytes,
        retainedPerDeployBytes: a.retainedPerDeployBytes,
        points: rows.map((r) => ({ index: r.index, services: r.services, memoryBytes: r.memoryBytes })),
      };
    });
}
