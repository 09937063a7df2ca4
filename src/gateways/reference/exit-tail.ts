/** Keeps the lines of a gateway's last output that explain its exit. */
import type { GatewayExit } from '../adapter.js';

/** Lines `GatewayExit.stderrTail` keeps. */
export const EXIT_TAIL_LINES = 20;

/**
 * The last {@link EXIT_TAIL_LINES} lines, except that V8's fatal-error line ("FATAL ERROR: …
 * JavaScript heap out of memory") is kept even when the native stack trace printed after it is
 * longer than the tail: the tail then starts at that line.
 */
export function trimExitTail(exit: GatewayExit): GatewayExit {
  const lines = exit.stderrTail;
  if (lines.length <= EXIT_TAIL_LINES) return exit;
  const fatal = lines.findLastIndex((l) => /FATAL ERROR|heap out of memory/i.test(l));
  const from = fatal >= 0 && fatal < lines.length - EXIT_TAIL_LINES ? fatal : lines.length - EXIT_TAIL_LINES;
  return { ...exit, stderrTail: lines.slice(from, from + EXIT_TAIL_LINES) };
}
