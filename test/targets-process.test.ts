/** The shared server-process helper: stop by PID with SIGKILL after the grace period, the output tail, readiness. */
import { describe, expect, it } from 'vitest';
import { freePort, spawnServer, waitForReady } from '../src/process/server-process.js';
import { isAlive } from './helpers/process.js';

const node = process.execPath;

describe('spawnServer', () => {
  it('keeps the last output lines and reports the exit code', async () => {
    const server = await spawnServer({
      name: 'echo',
      command: node,
      args: ['-e', 'for (let i = 0; i < 50; i++) console.log("line " + i); console.error("boom"); process.exit(3)'],
      tailLines: 5,
    });
    const exit = await server.exited;
    expect(exit.exitCode).toBe(3);
    expect(exit.stderrTail).toHaveLength(5);
    expect(exit.stderrTail).toContain('boom');
    expect(exit.stderrTail).toContain('line 49');
    expect(server.isRunning()).toBe(false);
  });

  it('kills a process that ignores SIGTERM once the grace period is over; stopping twice is safe', async () => {
    const server = await spawnServer({
      name: 'stubborn',
      command: node,
      args: ['-e', 'process.on("SIGTERM", () => console.log("ignored")); console.log("up"); setInterval(() => {}, 1000)'],
    });
    try {
      await waitForReady(server, () => Promise.resolve(server.tail().includes('up')), { what: 'its first line', timeoutMs: 30_000, intervalMs: 20 });
      const exit = await server.stop(300);
      expect(exit.signal).toBe('SIGKILL');
      expect(await server.stop(300)).toEqual(exit);
      expect(isAlive(server.pid)).toBe(false);
    } finally {
      await server.stop(0);
    }
  });

  it('fails fast with the last output when the server exits before it is ready', async () => {
    const server = await spawnServer({ name: 'crasher', command: node, args: ['-e', 'console.error("address already in use"); process.exit(1)'] });
    await expect(waitForReady(server, () => Promise.resolve(false), { what: 'http://127.0.0.1:1/', timeoutMs: 30_000 })).rejects.toThrow(
      'crasher exited while starting (exit code 1) before http://127.0.0.1:1/ answered; last output: address already in use',
    );
  });

  it('names the install command when the binary is missing', async () => {
    await expect(spawnServer({ name: 'caddy', command: '/nonexistent/caddy', args: [], installHint: 'run `apt-get install -y caddy`' })).rejects.toThrow(
      'caddy is not installed (/nonexistent/caddy not found): run `apt-get install -y caddy`',
    );
  });

  it('finds a free loopback port', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    expect(port).toBeLessThan(65536);
  });
});
