/**
 * The runs this tool exists for end in a crash: a real out-of-memory death of the reference
 * gateway, a harness killed with SIGKILL and resumed, SIGINT, and a planted canary password.
 */
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../src/exit-codes.js';
import { gwscale } from './helpers/cli.js';
import { isAlive } from './helpers/process.js';
import { records } from './helpers/run-log.js';

const root = mkdtempSync(join(tmpdir(), 'gwscale-reliability-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const gatewayPids = (dir: string): number[] => records(dir).flatMap((r) => (r.type === 'gateway-start' && r.pid !== null ? [r.pid] : []));

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

function countRows(dir: string): number {
  try {
    return records(dir).filter((r) => r.type === 'round').length;
  } catch {
    return 0;
  }
}

/** Every file below `dir`, as text. */
function allText(dir: string): string {
  let text = '';
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    text += statSync(path).isDirectory() ? allText(path) : readFileSync(path, 'latin1');
  }
  return text;
}

describe('gateway death', () => {
  it('a small heap with retain-configs really runs out of memory in a deploy; nothing measured is lost', async () => {
    const out = join(root, 'crash');
    const r = await gwscale([
      'run',
      '--profile',
      'retain-configs',
      '--gateway-heap-mb',
      '64',
      '--services',
      '3000',
      '--batch',
      '100',
      '--verify',
      'none',
      '--out',
      out,
    ]);
    expect(r.code).toBe(ExitCode.GatewayCrashed);
    expect(r.stderr).toMatch(/the gateway crashed during deploy at \d+ services/);
    expect(r.stderr).toContain('heap out of memory');
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as {
      state: string;
      crash: { services: number; phase: string; exitCode: number | null; signal: string | null; stderrTail: string[] };
      rounds: { event: string; services: number }[];
      predictedOomServices: number | null;
      samples: number;
    };
    expect(report.state).toBe('crashed');
    expect(report.crash.phase).toBe('deploy');
    expect(report.crash.stderrTail.join('\n')).toMatch(/JavaScript heap out of memory/);
    expect(report.crash.exitCode !== 0 || report.crash.signal !== null).toBe(true);
    const crashRows = report.rounds.filter((x) => x.event === 'crash');
    expect(crashRows).toEqual([expect.objectContaining({ services: report.crash.services })]);
    expect(report.rounds.filter((x) => x.event === 'round').length).toBeGreaterThanOrEqual(3);
    // What the rounds before the crash predicted stands beside where it crashed.
    expect(report.predictedOomServices).not.toBeNull();
    // Every sample the driver took is in the run log.
    const log = records(out);
    const end = log.at(-1);
    expect(end?.type).toBe('run-end');
    const samples = log.filter((x) => x.type === 'sample').length;
    expect(samples).toBeGreaterThan(0);
    expect(end?.type === 'run-end' && end.samplesTaken).toBe(samples);
    expect(report.samples).toBe(samples);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toMatch(/crash/i);
    for (const pid of gatewayPids(out)) expect(isAlive(pid)).toBe(false);
  });

  it('--restart-on-crash restarts the gateway, records the restart and goes on', async () => {
    const out = join(root, 'crash-restart');
    // One reading per point: this test is about crash restarts (each already slow near the heap
    // limit); three readings per point pushed it past the timeout on a loaded two-core machine.
    const r = await gwscale([
      'run',
      '--profile',
      'retain-configs',
      '--gateway-heap-mb',
      '64',
      '--services',
      '600',
      '--batch',
      '100',
      '--verify',
      'none',
      '--restart-on-crash',
      '--readings',
      '1',
      '--out',
      out,
    ]);
    const log = records(out);
    const crashes = log.filter((x) => x.type === 'crash').length;
    expect(crashes).toBeGreaterThanOrEqual(1);
    expect(log.filter((x) => x.type === 'gateway-start' && x.reason === 'crash-restart').length).toBe(Math.min(crashes, 3));
    const events = log.flatMap((x) => (x.type === 'round' ? [x.round.event] : []));
    expect(events).toContain('crash');
    expect(events.slice(events.indexOf('crash') + 1)).toContain('restart');
    // A crash-restart run either reached the end or crashed a fourth time; both are reported.
    expect([ExitCode.Leak, ExitCode.GatewayCrashed]).toContain(r.code);
  });
});

describe('resume and signals', () => {
  it('SIGKILL of the harness mid-run, then --resume: the final report is complete and marks the resume', async () => {
    const out = join(root, 'resume');
    const args = ['run', '--profile', 'healthy', '--services', '600', '--batch', '100', '--redeploys', '2', '--verify', 'none', '--out', out];
    const killed = await gwscale(args, {
      onStart: (child) => {
        void waitFor('three rows', () => countRows(out) >= 3, 90_000).then(() => child.kill('SIGKILL'));
      },
    });
    expect(killed.signal).toBe('SIGKILL');
    // The gateway and backend die with the harness (they watch its pipe).
    for (const pid of gatewayPids(out)) await waitFor(`gateway ${pid} to exit`, () => !isAlive(pid), 10_000);
    const resumed = await gwscale(['run', '--resume', out]);
    expect(resumed.code).toBe(ExitCode.Ok);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as {
      state: string;
      rounds: { event: string; services: number; resumed?: boolean }[];
      gatewayCounts: { matches: boolean };
    };
    expect(report.state).toBe('completed');
    const services = [...new Set(report.rounds.filter((x) => x.event === 'round').map((x) => x.services))];
    expect(services).toEqual([0, 100, 200, 300, 400, 500, 600]);
    expect(report.rounds.filter((x) => x.event === 'redeploy')).toHaveLength(2);
    expect(report.rounds.filter((x) => x.resumed === true)).toHaveLength(1);
    expect(report.gatewayCounts.matches).toBe(true);
    expect(records(out).filter((x) => x.type === 'resume')).toHaveLength(1);
    // A finished run cannot be resumed again.
    const again = await gwscale(['run', '--resume', out]);
    expect(again.code).toBe(ExitCode.Usage);
    expect(again.stderr).toContain('already finished');
  });

  it('SIGINT stops cleanly: gateway stopped, report written, exit 130', async () => {
    const out = join(root, 'sigint');
    const r = await gwscale(['run', '--services', '5000', '--batch', '100', '--verify', 'none', '--out', out], {
      onStart: (child) => {
        void waitFor('two rows', () => countRows(out) >= 2, 90_000).then(() => child.kill('SIGINT'));
      },
    });
    expect(r.code).toBe(ExitCode.Interrupted);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { state: string; rounds: unknown[] };
    expect(report.state).toBe('interrupted');
    expect(report.rounds.length).toBeGreaterThanOrEqual(2);
    for (const pid of gatewayPids(out)) expect(isAlive(pid)).toBe(false);
  });
});

describe('secrets', () => {
  const canary = 'canary-Pw-7f3a9c0e51d2';

  it('a password from the environment appears in no report, log, run log or output', async () => {
    const out = join(root, 'canary');
    const r = await gwscale(['run', '--services', '200', '--batch', '100', '--restart-at', '100', '--out', out, '--json', '--verbose'], {
      env: { ...process.env, GWSCALE_GATEWAY_USER: 'admin', GWSCALE_GATEWAY_PASSWORD: canary },
    });
    expect(r.code).toBe(ExitCode.Ok);
    expect(r.stdout + r.stderr).not.toContain(canary);
    expect(allText(out)).not.toContain(canary);
    // The run really used it: the reference gateway accepted calls with it.
    expect(JSON.parse(r.stdout)).toMatchObject({ gatewayCounts: { matches: true } });
  });

  it('a credentials file readable by others is refused without echoing it', async () => {
    const file = join(root, 'creds.json');
    writeFileSync(file, JSON.stringify({ user: 'admin', password: canary }));
    chmodSync(file, 0o644);
    const r = await gwscale(['run', '--services', '10', '--batch', '10', '--credentials-file', file, '--out', join(root, 'creds-run')]);
    expect(r.code).toBe(ExitCode.Usage);
    expect(r.stderr).toContain('readable by others');
    expect(r.stderr).toContain('chmod 600');
    expect(r.stderr).not.toContain(canary);
    chmodSync(file, 0o600);
    const ok = await gwscale(['run', '--services', '10', '--batch', '10', '--credentials-file', file, '--verify', 'none', '--out', join(root, 'creds-run')]);
    expect(ok.stderr).not.toContain(canary);
    expect(allText(join(root, 'creds-run'))).not.toContain(canary);
  });
});
