/**
 * Which Locust is installed. gwscale calls the `locust` executable (whose first line names the
 * Python it belongs to), never `python3 -m locust`: the first `python3` on PATH (a pyenv or venv)
 * may not have Locust at all. Debian's python3-locust prints an empty version, so the version
 * then comes from the package database.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gatewayError } from '../../errors.js';

const run = promisify(execFile);

/** The oldest Locust the generated locustfile is written for (events, custom messages, FastHttpUser). */
export const MIN_LOCUST_VERSION = [2, 12] as const;
export const LOCUST_INSTALL_HINT = 'install it with: apt-get install -y python3-locust python3-geventhttpclient (or pip install "locust>=2.12")';

/** An installed Locust. */
export interface LocustInstall {
  readonly command: string;
  /** e.g. `2.12.1`. */
  readonly version: string;
  /** Where the version came from: Locust itself, or Debian's package database when Locust reports none. */
  readonly versionSource: 'locust' | 'dpkg';
}

/** `locust 2.12.1` → `2.12.1`; null when it names none (Debian's build prints `locust `). */
export function parseLocustVersion(output: string): string | null {
  return /\blocust\s+v?(\d+\.\d+(?:\.\d+)?)/i.exec(output)?.[1] ?? null;
}

/** True when `version` is at least `MIN_LOCUST_VERSION`. */
export function isSupportedLocust(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const [wantMajor, wantMinor] = MIN_LOCUST_VERSION;
  return major > wantMajor || (major === wantMajor && minor >= wantMinor);
}

async function packageVersion(): Promise<string | null> {
  try {
    const { stdout } = await run('dpkg-query', ['-W', '-f=${Version}', 'python3-locust'], { timeout: 10_000 });
    // `2.12.1-1` → `2.12.1`: the Debian revision is not Locust's.
    return /^(?:\d+:)?(\d+\.\d+(?:\.\d+)?)/.exec(stdout.trim())?.[1] ?? null;
  } catch {
    return null;
  }
}

/**
 * Finds Locust and checks its version (≥ 2.12).
 * @throws GwscaleError (gateway) naming the install command when it is missing or too old.
 */
export async function detectLocust(command = 'locust'): Promise<LocustInstall> {
  let output: string;
  // Locust imports ./locustfile.py even for --version: ask from an empty folder.
  const cwd = await mkdtemp(join(tmpdir(), 'gwscale-locust-version-'));
  try {
    const { stdout, stderr } = await run(command, ['--version'], { timeout: 30_000, cwd });
    output = `${stdout}\n${stderr}`;
  } catch (error) {
    const missing = typeof error === 'object' && error !== null && 'code' in error && error.code === 'ENOENT';
    throw gatewayError(`${missing ? `Locust is not installed (${command} not found)` : `${command} --version failed`}: ${LOCUST_INSTALL_HINT}`);
  } finally {
    await rm(cwd, { recursive: true, force: true });
  }
  const own = parseLocustVersion(output);
  const version = own ?? (await packageVersion());
  if (version === null)
    throw gatewayError(
      `${command} reports no version and no python3-locust package names one; gwscale needs Locust ≥ ${MIN_LOCUST_VERSION.join('.')}: ${LOCUST_INSTALL_HINT}`,
    );
  if (!isSupportedLocust(version))
    throw gatewayError(`Locust ${version} is too old; gwscale needs Locust ≥ ${MIN_LOCUST_VERSION.join('.')}: ${LOCUST_INSTALL_HINT}`);
  return { command, version, versionSource: own === null ? 'dpkg' : 'locust' };
}
