/**
 * A process's command name, from Linux `/proc/<pid>/comm`: before the harness signals a PID it did
 * not spawn itself (a gateway's worker), or counts one in a gateway's memory, it checks the name, so
 * a recycled PID or a helper process the gateway runs for a moment is never taken for it.
 */
import { readFileSync } from 'node:fs';

/** True when `pid` is a process whose command name is `name`; false once it is gone. */
export function hasCommandName(pid: number, name: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === name;
  } catch {
    return false;
  }
}
