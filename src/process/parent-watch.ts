/**
 * Child processes the harness starts (reference gateway, SOAP backend) get a stdin pipe from it and
 * exit when that pipe closes: a harness killed with SIGKILL leaves no server holding a port.
 */

/** Calls `shutdown` once when the parent's end of our stdin goes away (only when stdin is a pipe). */
export function exitWithParent(shutdown: () => void): void {
  const stdin = process.stdin;
  if (stdin.isTTY) return;
  let done = false;
  const once = (): void => {
    if (done) return;
    done = true;
    shutdown();
  };
  stdin.on('end', once);
  stdin.on('close', once);
  stdin.on('error', once);
  // Reading keeps the pipe watched; nothing is ever written to it.
  stdin.resume();
}
