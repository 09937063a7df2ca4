/**
 * Varnish's management CLI through `varnishadm -T <address> -S <secret file>`: the secret stays in
 * a 0600 file (only its path is on the command line). `vcl.list` is parsed into data.
 */
import { execFile } from 'node:child_process';
import { gatewayError, messageOf } from '../../errors.js';

/** One line of `vcl.list`: `active      auto    warm         1    gwscale_3`. */
export interface VclListEntry {
  /** `active`, `available` or `discarded`. */
  readonly status: string;
  /** `auto`, `warm` or `cold` (what was asked). */
  readonly state: string;
  /** `warm`, `busy`, `cooling` or `cold` (what it is). */
  readonly temperature: string;
  /** Requests (and worker threads) still holding the VCL. */
  readonly busy: number;
  readonly name: string;
}

/** Parses `vcl.list` (label lines `… -> …` are skipped). */
export function parseVclList(text: string): VclListEntry[] {
  const entries: VclListEntry[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\S+)\s+(\S+)\s+(\S+)\s+(\d+)\s+(\S+)\s*$/.exec(line.trim());
    if (m === null) continue;
    entries.push({ status: m[1] ?? '', state: m[2] ?? '', temperature: m[3] ?? '', busy: Number(m[4]), name: m[5] ?? '' });
  }
  return entries;
}

export interface VarnishAdmOptions {
  /** The varnishadm binary. */
  readonly command: string;
  /** `127.0.0.1:PORT` of varnishd's `-T` listener. */
  readonly address: string;
  /** The `-S` secret file (mode 0600). */
  readonly secretFile: string;
  readonly timeoutMs: number;
}

/** The answer of one CLI command, as data: varnishadm exits non-zero when Varnish refused it. */
export interface VarnishAdmAnswer {
  readonly ok: boolean;
  /** What varnishadm printed (stdout, then stderr). */
  readonly text: string;
}

/** Attempts of a command whose connection varnishd did not greet in time (its manager is single-threaded). */
const ATTEMPTS = 3;

/**
 * Runs one CLI command; rejects only when varnishadm cannot run or reach varnishd. A connection the
 * busy manager did not greet in time (`Rejected 400`: no command was sent) is tried again.
 */
export async function varnishadm(options: VarnishAdmOptions, args: readonly string[]): Promise<VarnishAdmAnswer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await varnishadmOnce(options, args);
    } catch (error) {
      if (attempt >= ATTEMPTS || !/Rejected 400/.test(messageOf(error))) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
    }
  }
}

function varnishadmOnce(options: VarnishAdmOptions, args: readonly string[]): Promise<VarnishAdmAnswer> {
  // -t: varnishadm's own wait (5 s by default) would give up on a vcl.load that compiles a large VCL.
  const waitS = String(Math.max(5, Math.ceil(options.timeoutMs / 1000)));
  // The manager is single-threaded: while it compiles a VCL it greets no other connection. Past
  // varnishadm's wait, varnishadm is killed; the compile goes on, and the next call waits its turn.
  const killAfterMs = options.timeoutMs + 5_000;
  return new Promise((resolve, reject) => {
    execFile(
      options.command,
      ['-T', options.address, '-S', options.secretFile, '-t', waitS, ...args],
      { timeout: killAfterMs, maxBuffer: 64 * 2 ** 20 },
      (error, stdout, stderr) => {
        const text = `${stdout}${stderr}`.trim();
        if (error === null) return resolve({ ok: true, text });
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT')
          return reject(gatewayError(`varnishadm is not installed (${options.command} not found): run \`apt-get install -y varnish\``, { cause: error }));
        // Exit code 1: the command ran and Varnish answered with an error (e.g. a VCL that does not compile).
        if (typeof error.code === 'number' && error.code === 1 && !error.killed && !/Connection failed|Rejected/.test(text))
          return resolve({ ok: false, text });
        reject(gatewayError(`varnishadm ${args[0] ?? ''} at ${options.address} failed: ${firstLine(text) || messageOf(error)}`, { cause: error }));
      },
    );
  });
}

/** The first non-empty line, for one-line messages. */
export function firstLine(text: string): string {
  return (text.split('\n').find((l) => l.trim() !== '') ?? '').trim().slice(0, 300);
}
