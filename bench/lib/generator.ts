/**
 * What the traffic benches share: the CPU of reaped child processes, the generator as a process of
 * its own, and the fixed target it is measured against (bench/traffic-target.ts).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CLOCK_TICKS_PER_SECOND } from '../../src/sampling/proc-stat.js';
import { benchScript, root } from './paths.js';

/** CPU seconds of this process's reaped children (user + system), from /proc/self/stat. */
export function reapedChildrenCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the command name, field 3 is index 0: cutime (16) and cstime (17) are 13 and 14.
  return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS_PER_SECOND;
}

/**
 * `node --input-type=module -e <this> '<TrafficOptions as JSON>'` runs the generator alone: the
 * compiled `runTraffic` (what `gwscale traffic` calls) without the CLI's command registry, whose
 * other commands' imports cost ~0.3 CPU-s per start. Prints the result as JSON.
 */
export const generatorSource = `
import { runTraffic } from ${JSON.stringify(join(root, 'dist/api/traffic.js'))};
const { result } = await runTraffic(JSON.parse(process.argv[1]));
process.stdout.write(JSON.stringify(result));
`;

/** Starts the fixed target (its own process, loopback); kill `child` when done. */
export async function startFixedTarget(): Promise<{ child: ChildProcessWithoutNullStreams; url: string }> {
  const child = spawn(process.execPath, benchScript('traffic-target'), { cwd: root });
  child.stderr.resume();
  const first = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the bench target exited with ${code}`)));
  });
  const { port } = JSON.parse(first) as { port: number };
  return { child, url: `http://127.0.0.1:${port}/services/quote` };
}
