/** `gwscale traffic` end to end: the compiled CLI as its own process against a local server. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gwscale } from './helpers/cli.js';
import { startServer, type TestServer } from './traffic-servers.js';

let server: TestServer;
let work: string;
let bodyFile: string;

beforeAll(async () => {
  server = await startServer();
  work = mkdtempSync(join(tmpdir(), 'gwscale-traffic-cli-'));
  bodyFile = join(work, 'request.xml');
  writeFileSync(
    bodyFile,
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><ns:Ping xmlns:ns="urn:test"/></soapenv:Body></soapenv:Envelope>',
  );
});

afterAll(async () => {
  await server.close();
  rmSync(work, { recursive: true, force: true });
});

describe('gwscale traffic (CLI)', () => {
  it('prints a JSON result of a burst spread over two worker threads', async () => {
    const { code, stdout, stderr } = await gwscale(['traffic', '--url', server.url, '--body', bodyFile, '-n', '200', '-c', '4', '--workers', '2', '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as { mode: string; workers: number; completed: number; ok: number; latency: { count: number }; latencyHistogram: string };
    expect(result.mode).toBe('burst');
    expect(result.workers).toBe(2);
    expect(result.completed).toBe(200);
    expect(result.ok).toBe(200);
    expect(result.latency.count).toBe(200);
    expect(result.latencyHistogram.length).toBeGreaterThan(10);
  });

  it('prints a terminal summary and soak progress lines on stderr', async () => {
    const { code, stdout, stderr } = await gwscale([
      'traffic',
      '--url',
      server.url,
      '--body',
      bodyFile,
      '--mode',
      'soak',
      '--rate',
      '100',
      '-d',
      '1500ms',
      '--interval',
      '500ms',
      '--workers',
      '2',
      '-c',
      '2',
    ]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^gwscale traffic: soak, 2 connections, 2 threads → http:\/\/127\.0\.0\.1:\d+\/services\/quote$/m);
    expect(stdout).toMatch(/^ {2}throughput [\d,.]+ req\/s, ok [\d,.]+\/s {2}\(requested 100\/s, sent [\d,.]+\/s\)$/m);
    expect(stdout).toMatch(/^ {2}latency {4}p50 [\d.]+ · p90 [\d.]+ · p99 [\d.]+ · p99\.9 [\d.]+ · max [\d.]+ ms/m);
    expect(stdout).toMatch(/^ {2}errors {5}none$/m);
    const progress = stderr.split('\n').filter((l) => /now +[\d,.]+\/s +overall +[\d,.]+\/s/.test(l));
    expect(progress.length).toBeGreaterThanOrEqual(2);
  });

  it('refuses a URL that is not on loopback with one line and exit code 2', async () => {
    const { code, stdout, stderr } = await gwscale(['traffic', '--url', 'http://192.0.2.1:8080/quote', '--body', bodyFile]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    const lines = stderr.trim().split('\n');
    expect(lines[0]).toBe('gwscale: --url http://192.0.2.1:8080/quote: 192.0.2.1 is not a loopback address; traffic goes only to 127.0.0.1 or ::1');
    expect(lines[1]).toBe('  hint: add --allow-remote to drive a remote host you are allowed to load');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('rejects options that do not fit before sending anything', async () => {
    const before = server.requests;
    const { code, stderr } = await gwscale(['traffic', '--url', server.url, '--body', bodyFile, '--mode', 'rate']);
    expect(code).toBe(2);
    expect(stderr).toBe('gwscale: --mode rate needs --rate R (requests per second)\n');
    const bad = await gwscale(['traffic', '--url', server.url, '--body', bodyFile, '--duration', '30']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--duration: got "30", expected a duration such as 500ms, 30s, 2m or 1h');
    expect(server.requests).toBe(before);
  });

  it('exits 7 with one line when nothing answers at the URL', async () => {
    const gone = await startServer();
    await gone.close();
    const { code, stderr } = await gwscale(['traffic', '--url', gone.url, '--body', bodyFile, '-n', '5']);
    expect(code).toBe(7);
    expect(stderr.split('\n')[0]).toMatch(/^gwscale: http:\/\/127\.0\.0\.1:\d+\/services\/quote: the first request failed \(connect: /);
  });

  it('exits 6 naming the file when the body file is missing', async () => {
    const { code, stderr } = await gwscale(['traffic', '--url', server.url, '--body', join(work, 'missing.xml'), '-n', '5']);
    expect(code).toBe(6);
    expect(stderr).toMatch(/^gwscale: --body .*missing\.xml: cannot read the file/);
  });
});
