/**
 * Proportional set size (PSS) of a process tree, from Linux `/proc/<pid>/smaps_rollup`: each page
 * counts in full when one process maps it and in shares when several do, so the PSS of a master and
 * its forked workers adds up to the memory they hold together, where their RSS counts shared pages
 * once per process. For gateways without a garbage-collected heap (HAProxy, Varnish) it is the
 * number that grows when configuration is retained. RSS is read beside it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { gatewayError, messageOf } from '../errors.js';
import { parseProcStat, readProcStat } from './proc-stat.js';
import type { MemoryReading, MemorySource } from './source.js';

/** The fields of one `smaps_rollup` the harness uses, in bytes. */
export interface SmapsRollup {
  readonly pssBytes: number;
  readonly rssBytes: number;
  /** PSS of anonymous pages (heap, stacks): the part that configuration retention grows. */
  readonly pssAnonBytes: number | null;
}

/** PSS and RSS of a process and all its descendants, summed. */
export interface ProcessTreeMemory {
  readonly pssBytes: number;
  readonly rssBytes: number;
  readonly pssAnonBytes: number;
  /** The processes summed, root first. */
  readonly pids: readonly number[];
}

/**
 * Parses the text of `/proc/<pid>/smaps_rollup` (`Pss:  1234 kB` lines).
 * @throws Error when the text has no `Rss:` or `Pss:` line.
 */
export function parseSmapsRollup(text: string): SmapsRollup {
  const field = (name: string): number | null => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(text);
    return m === null ? null : Number(m[1]) * 1024;
  };
  const pssBytes = field('Pss');
  const rssBytes = field('Rss');
  if (pssBytes === null || rssBytes === null) throw new Error(`not a smaps_rollup file: ${JSON.stringify(text.slice(0, 80))}`);
  return { pssBytes, rssBytes, pssAnonBytes: field('Pss_Anon') };
}

/** Reads `/proc/<pid>/smaps_rollup`; throws (ENOENT) when the process is gone. */
export function readSmapsRollup(pid: number): SmapsRollup {
  return parseSmapsRollup(readFileSync(`/proc/${pid}/smaps_rollup`, 'latin1'));
}

/** `root` and every process descended from it, root first (parents before children), read from each `/proc/<pid>/stat`. */
export function processTree(root: number): number[] {
  const parents: Array<[number, number]> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    try {
      parents.push([pid, readProcStat(pid).ppid]);
    } catch {
      continue; // exited while we listed
    }
  }
  return treeFrom(root, parents);
}

/**
 * {@link processTree} without blocking the event loop: the /proc reads go to libuv's thread pool.
 * Where opening a /proc file is slow (a loaded or sandboxed kernel: tens of ms for the whole scan),
 * a sampler that scans every few ms would otherwise stall everything else the harness runs, such
 * as the traffic of --deploy-under-load.
 */
export async function processTreeAsync(root: number): Promise<number[]> {
  const pids = (await readdir('/proc')).filter((entry) => /^\d+$/.test(entry)).map(Number);
  const parents = await Promise.all(
    pids.map((pid) =>
      readFile(`/proc/${pid}/stat`, 'latin1').then(
        (text): [number, number] | null => [pid, parseProcStat(text).ppid],
        () => null, // exited while we listed
      ),
    ),
  );
  return treeFrom(
    root,
    parents.filter((p) => p !== null),
  );
}

/** `root` and its descendants, breadth first, from (pid, parent pid) pairs. */
function treeFrom(root: number, parents: ReadonlyArray<readonly [number, number]>): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parents) {
    const list = children.get(ppid);
    if (list === undefined) children.set(ppid, [pid]);
    else list.push(pid);
  }
  const tree: number[] = [];
  const queue = [root];
  // Bounded: every pid is visited once, and /proc lists finitely many.
  while (queue.length > 0) {
    const pid = queue.shift()!;
    if (tree.includes(pid)) continue;
    tree.push(pid);
    queue.push(...(children.get(pid) ?? []).sort((a, b) => a - b));
  }
  return tree;
}

/**
 * PSS and RSS summed over `root` and its descendants. A descendant that exits between the listing
 * and its read is left out; a root that is gone throws.
 * @param include filters descendants (e.g. leave out a compiler a gateway runs for a moment); the root always counts.
 */
export function readProcessTreeMemory(root: number, include: (pid: number) => boolean = () => true): ProcessTreeMemory {
  let pssBytes = 0;
  let rssBytes = 0;
  let pssAnonBytes = 0;
  const pids: number[] = [];
  for (const pid of processTree(root)) {
    if (pid !== root && !include(pid)) continue;
    let rollup: SmapsRollup;
    try {
      rollup = readSmapsRollup(pid);
    } catch (error) {
      if (pid === root) throw error;
      continue;
    }
    // Kernel threads and zombies have an empty rollup; they hold no user memory.
    pssBytes += rollup.pssBytes;
    rssBytes += rollup.rssBytes;
    pssAnonBytes += rollup.pssAnonBytes ?? 0;
    pids.push(pid);
  }
  return { pssBytes, rssBytes, pssAnonBytes, pids };
}

/** The name of the process-tree PSS source (`MemoryReading.source`). */
export const PSS_TREE_SOURCE = 'pss-tree';

/** {@link readProcessTreeMemory} with its /proc reads off the event loop. */
export async function readProcessTreeMemoryAsync(root: number, include: (pid: number) => boolean = () => true): Promise<ProcessTreeMemory> {
  const pids = (await processTreeAsync(root)).filter((pid) => pid === root || include(pid));
  const rollups = await Promise.all(
    pids.map((pid) =>
      readFile(`/proc/${pid}/smaps_rollup`, 'latin1').then(
        (text) => parseSmapsRollup(text),
        (error: unknown) => {
          if (pid === root) throw error;
          return null; // exited between the listing and its read
        },
      ),
    ),
  );
  let pssBytes = 0;
  let rssBytes = 0;
  let pssAnonBytes = 0;
  const summed: number[] = [];
  rollups.forEach((rollup, i) => {
    if (rollup === null) return;
    pssBytes += rollup.pssBytes;
    rssBytes += rollup.rssBytes;
    pssAnonBytes += rollup.pssAnonBytes ?? 0;
    summed.push(pids[i]!);
  });
  return { pssBytes, rssBytes, pssAnonBytes, pids: summed };
}

export interface PssSourceOptions {
  /** The root process now (a gateway restarted by the harness has a new PID); null when it is not running. */
  readonly pid: () => number | null;
  /** What the tree is, for the error when there is no process, e.g. `HAProxy master`. */
  readonly what: string;
  /** Leaves some descendants out (the root always counts). */
  readonly include?: (pid: number) => boolean;
}

/**
 * A memory source over a process tree: `bytes` is the PSS summed over the root and its descendants,
 * `extra` carries `rssBytes` (summed the same way), `pssAnonBytes` and `processes` (how many were
 * summed, e.g. a master and its workers, old workers still draining included). Nothing is forced
 * first: these gateways have no garbage collector to ask.
 */
export function createPssTreeSource(options: PssSourceOptions): MemorySource {
  return {
    name: PSS_TREE_SOURCE,
    measures: 'proportional set size summed over the gateway process and its descendants (/proc/<pid>/smaps_rollup Pss; shared pages counted once in all)',
    async read(): Promise<MemoryReading> {
      const pid = options.pid();
      if (pid === null) throw gatewayError(`${options.what} is not running: no memory to read`);
      let tree: ProcessTreeMemory;
      try {
        // Off the event loop: the deploy-peak sampler reads this every few ms while traffic runs.
        tree = await readProcessTreeMemoryAsync(pid, options.include);
      } catch (error) {
        throw gatewayError(`could not read the memory of ${options.what} (pid ${pid}) from /proc: ${messageOf(error)}`, { cause: error });
      }
      return {
        bytes: tree.pssBytes,
        source: PSS_TREE_SOURCE,
        afterGc: false,
        extra: { rssBytes: tree.rssBytes, pssAnonBytes: tree.pssAnonBytes, processes: tree.pids.length },
      };
    },
  };
}
