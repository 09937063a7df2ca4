/**
 * Node-RED comes from npm, not from Debian: each version is installed once, with the user's npm,
 * into a per-version cache folder outside any run (`~/.cache/gwscale/node-red/<version>`, or
 * `$GWSCALE_CACHE_DIR/node-red/<version>`), and every run of that version starts it from there.
 *
 * A version asked as a range (`4.1.x`, `4.1`) is resolved to the newest published version in it
 * (`npm view`), or, offline, to the newest one already in the cache. Two runs installing the same
 * version at once do not collide: each installs into a temporary folder beside the final one and
 * renames it into place; the one that loses the race uses the winner's folder.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { gatewayError, messageOf, usageError } from '../../errors.js';

/** Environment variable naming gwscale's cache folder (default `$XDG_CACHE_HOME/gwscale`, else `~/.cache/gwscale`). */
export const CACHE_DIR_ENV = 'GWSCALE_CACHE_DIR';
/** What `--gateway-version` means when it is not given. */
export const DEFAULT_NODE_RED_VERSION = '4.1.x';

/** A Node-RED version installed in the cache, ready to start. */
export interface NodeRedInstall {
  /** Exact version, e.g. `4.1.15`. */
  readonly version: string;
  /** The cache folder of that version (`npm install --prefix` went there). */
  readonly prefix: string;
  /** `red.js`, the script `node` starts. */
  readonly entry: string;
  /** The `node_modules/node-red` folder (where its own dependencies, bcryptjs among them, resolve from). */
  readonly packageDir: string;
  /** True when this call ran npm install (false: it was already there). */
  readonly installed: boolean;
}

export interface InstallOptions {
  /** The cache folder; default from {@link CACHE_DIR_ENV}, else `~/.cache/gwscale`. */
  readonly cacheDir?: string;
  /** The npm command; default `npm` on PATH. */
  readonly npmCommand?: string;
  /** Progress lines (`installing node-red@4.1.15 …`). */
  readonly log?: (line: string) => void;
  /** The Node.js version Node-RED will run on; default this process's. */
  readonly nodeVersion?: string;
}

const EXACT = /^\d+\.\d+\.\d+$/;
/** `3`, `3.1`, `3.1.x`, `3.x`, `3.1.15`: what `--gateway-version` accepts. */
const VERSION_SPEC = /^\d+(\.(\d+|x))?(\.(\d+|x))?$/;

/** The cache folder gwscale keeps installs in. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const own = env[CACHE_DIR_ENV];
  if (own !== undefined && own !== '') return own;
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.cache'), 'gwscale');
}

/** Checks `--gateway-version` for Node-RED; throws a usage error naming the flag. */
export function checkVersionSpec(spec: string): void {
  if (!VERSION_SPEC.test(spec))
    throw usageError(
      `--gateway-version ${spec}: expected a Node-RED version such as 3.1.15, 4.1.x or 4.1`,
      'see `npm view node-red versions` for the published ones',
    );
}

/** Numeric compare of `a.b.c` versions (pre-releases are never picked, so none are compared). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** True when exact version `version` is in `spec` (`4.1.x`, `4.1`, `4`, `4.1.15`). */
export function versionMatches(spec: string, version: string): boolean {
  if (!EXACT.test(version)) return false;
  const want = spec.split('.');
  const have = version.split('.');
  return want.every((part, i) => part === 'x' || part === have[i]);
}

/**
 * The exact version a resumed run must install: the one its first session ran (the adapter reports
 * `Node-RED 4.1.15` at start), when the run asked for a range such as `4.1.x`. Resolving the range
 * again could pick a newer release and mix two versions in one run. Null when there is nothing to
 * pin (an exact version asked for, or no start recorded).
 */
export function pinnedResumeVersion(spec: string, firstStartVersion: string | undefined): string | null {
  const m = /^Node-RED (\S+)$/.exec(firstStartVersion ?? '');
  if (m === null || EXACT.test(spec)) return null;
  const version = m[1]!;
  return versionMatches(spec, version) ? version : null;
}

/** `>=18.5` against `20.20.2`; null when the engines field has a form this does not read (then Node-RED decides). */
export function satisfiesMinimum(engines: string, nodeVersion: string): boolean | null {
  const m = /^\s*>=\s*v?(\d+(?:\.\d+){0,2})\s*$/.exec(engines);
  if (m === null) return null;
  return compareVersions(nodeVersion.replace(/^v/, ''), m[1]!) >= 0;
}

function run(command: string, args: readonly string[], timeoutMs: number, cwd?: string): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(command, [...args], { timeout: timeoutMs, maxBuffer: 16 * 2 ** 20, ...(cwd === undefined ? {} : { cwd }) }, (error, stdout, stderr) => {
      if (error !== null) reject(Object.assign(error as Error, { stdout, stderr }));
      else resolve({ stdout, stderr });
    });
  });
}

/** The last line of npm's stderr that says what went wrong (`npm error code ENOTFOUND …`). */
function npmReason(error: unknown): string {
  const stderr = (error as { stderr?: unknown }).stderr;
  const lines = (typeof stderr === 'string' ? stderr : '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^npm (ERR!|error)/.test(l));
  const code = lines.find((l) => /\bcode\b/.test(l));
  const said = lines.find((l) => !/\bcode\b|A complete log|^npm (ERR!|error)\s*$/.test(l));
  const reason = [code, said]
    .filter((l) => l !== undefined)
    .map((l) => l.replace(/^npm (ERR!|error)\s*/, ''))
    .join(': ');
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'npm not found on PATH';
  return (reason || messageOf(error)).slice(0, 300);
}

/** What to do about an npm failure: install npm, or look at the network and registry. */
function npmHint(error: unknown): string {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gwscale installs Node-RED with npm: install npm (it comes with Node.js) or put it on PATH';
  return 'gwscale installs Node-RED from the npm registry: check the network and `npm config get registry`';
}

/** Versions of Node-RED already complete in the cache. */
function cachedVersions(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root).filter((name) => EXACT.test(name) && existsSync(join(root, name, 'node_modules', 'node-red', 'package.json')));
}

interface Published {
  readonly version: string;
  readonly engines: string | null;
}

/** `npm view node-red@<spec> version engines.node --json`: one object, or an array of them for a range. */
async function publishedVersions(npm: string, spec: string): Promise<Published[]> {
  const { stdout } = await run(npm, ['view', `node-red@${spec}`, 'version', 'engines.node', '--json'], 120_000);
  if (stdout.trim() === '') return [];
  const parsed = JSON.parse(stdout) as unknown;
  const list = Array.isArray(parsed) ? parsed : [parsed];
  return list
    .map((item) => {
      const o = item as Record<string, unknown>;
      return { version: typeof o.version === 'string' ? o.version : '', engines: typeof o['engines.node'] === 'string' ? o['engines.node'] : null };
    })
    .filter((p) => EXACT.test(p.version));
}

function enginesOfInstalled(prefix: string): string | null {
  try {
    const pkg = JSON.parse(readFileSync(join(prefix, 'node_modules', 'node-red', 'package.json'), 'utf8')) as { engines?: { node?: unknown } };
    return typeof pkg.engines?.node === 'string' ? pkg.engines.node : null;
  } catch {
    return null;
  }
}

function checkEngines(version: string, engines: string | null, nodeVersion: string): void {
  if (engines === null || satisfiesMinimum(engines, nodeVersion) !== false) return;
  throw gatewayError(`Node-RED ${version} needs Node.js ${engines}; gwscale runs it on this Node.js ${nodeVersion}`, {
    hint: `run gwscale with a Node.js that satisfies ${engines} (gwscale itself needs >=20), or pick an older Node-RED with --gateway-version (4.1.x runs on Node.js 20)`,
  });
}

function installOf(version: string, prefix: string, installed: boolean): NodeRedInstall {
  const packageDir = join(prefix, 'node_modules', 'node-red');
  return { version, prefix, packageDir, entry: join(packageDir, 'red.js'), installed };
}

/**
 * Resolves `spec` to an exact version and makes sure it is installed in the cache; installs it with
 * npm when it is not. Throws one-line gateway errors when npm or the registry fails, and when the
 * version needs a newer Node.js than this one.
 */
export async function ensureNodeRed(spec: string, options: InstallOptions = {}): Promise<NodeRedInstall> {
  checkVersionSpec(spec);
  const npm = options.npmCommand ?? 'npm';
  const root = join(options.cacheDir ?? cacheDir(), 'node-red');
  const nodeVersion = options.nodeVersion ?? process.versions.node;
  const log = options.log ?? ((): void => undefined);

  let version: string;
  let engines: string | null = null;
  if (EXACT.test(spec) && cachedVersions(root).includes(spec)) {
    version = spec;
  } else {
    let published: Published[];
    try {
      published = await publishedVersions(npm, spec);
    } catch (error) {
      // Offline: the newest matching version already in the cache will do.
      const cached = cachedVersions(root)
        .filter((v) => versionMatches(spec, v))
        .sort(compareVersions);
      const newest = cached.at(-1);
      if (/\bE404\b/.test(npmReason(error)))
        throw gatewayError(`npm knows no node-red version matching ${spec}`, { hint: 'see `npm view node-red versions` for the published ones', cause: error });
      if (newest === undefined) {
        throw gatewayError(`could not look up node-red@${spec} with npm: ${npmReason(error)}`, { hint: npmHint(error), cause: error });
      }
      log(`node-red: npm view failed (${npmReason(error)}); using ${newest} from the cache`);
      published = [{ version: newest, engines: null }];
    }
    const newest = published
      .filter((p) => versionMatches(spec, p.version))
      .sort((a, b) => compareVersions(a.version, b.version))
      .at(-1);
    if (newest === undefined)
      throw gatewayError(`npm knows no node-red version matching ${spec}`, { hint: 'see `npm view node-red versions` for the published ones' });
    version = newest.version;
    engines = newest.engines;
  }
  checkEngines(version, engines, nodeVersion);

  const prefix = join(root, version);
  if (existsSync(join(prefix, 'node_modules', 'node-red', 'package.json'))) {
    checkEngines(version, enginesOfInstalled(prefix), nodeVersion);
    return installOf(version, prefix, false);
  }
  await mkdir(root, { recursive: true });
  // Installed beside the final folder and renamed into place: a half-done install is never used.
  const temp = await mkdtemp(join(root, `.installing-${version}-`));
  log(`node-red: installing node-red@${version} with npm into ${prefix} (once per version)`);
  const started = Date.now();
  try {
    // --ignore-scripts: no native builds (Node-RED falls back to bcryptjs), and nothing fetched from elsewhere.
    await run(npm, ['install', '--prefix', temp, `node-red@${version}`, '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], 600_000, temp);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw gatewayError(`npm install node-red@${version} failed: ${npmReason(error)}`, { hint: npmHint(error), cause: error });
  }
  try {
    await rename(temp, prefix);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    // Another run finished the same install first: use its folder.
    if (!existsSync(join(prefix, 'node_modules', 'node-red', 'package.json')))
      throw gatewayError(`could not move the node-red@${version} install into ${prefix}: ${messageOf(error)}`, { cause: error });
    return installOf(version, prefix, false);
  }
  log(`node-red: node-red@${version} installed in ${Math.round((Date.now() - started) / 1000)} s`);
  return installOf(version, prefix, true);
}
