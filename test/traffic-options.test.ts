import { describe, expect, it } from 'vitest';
import { formatDurationMs, parseDurationMs, parseOptionValue, type OptionSpec } from '../src/option-spec.js';
import { GwscaleError } from '../src/errors.js';
import { isLoopbackHost } from '../src/loopback.js';
import { checkTrafficUrl, redactUrl } from '../src/traffic/loopback.js';
import { validateTrafficOptions } from '../src/traffic/options.js';
import { baseTrafficOptions } from './helpers/traffic-options.js';

const base = baseTrafficOptions;

function usageMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof GwscaleError && error.kind === 'usage') return error.message;
    throw error;
  }
  throw new Error('expected a usage error');
}

describe('duration options', () => {
  it('parses durations with units into milliseconds', () => {
    expect(parseDurationMs('500ms')).toBe(500);
    expect(parseDurationMs('30s')).toBe(30_000);
    expect(parseDurationMs('1.5s')).toBe(1_500);
    expect(parseDurationMs('2m')).toBe(120_000);
    expect(parseDurationMs('1m30s')).toBe(90_000);
    expect(parseDurationMs('1h')).toBe(3_600_000);
    expect(parseDurationMs('30')).toBeUndefined();
    expect(parseDurationMs('30 sec')).toBeUndefined();
    expect(parseDurationMs('')).toBeUndefined();
    expect(formatDurationMs(90_000)).toBe('1m30s');
    expect(formatDurationMs(1_500)).toBe('1.5s');
  });

  it('rejects bare numbers and out-of-range durations with the flag in the message', () => {
    const spec: OptionSpec = { key: 'duration', kind: { type: 'duration', minMs: 100 }, description: 'd' };
    expect(parseOptionValue(spec, '2s')).toBe(2000);
    expect(() => parseOptionValue(spec, '30')).toThrow('--duration: got "30", expected a duration such as 500ms, 30s, 2m or 1h ≥ 100ms');
    expect(() => parseOptionValue(spec, '10ms')).toThrow(/--duration: got "10ms"/);
  });

  it('reads a warm-up as a duration or a request count', () => {
    const spec: OptionSpec = { key: 'warmup', kind: { type: 'duration-or-count' }, description: 'w' };
    expect(parseOptionValue(spec, '2s')).toEqual({ durationMs: 2000 });
    expect(parseOptionValue(spec, '500')).toEqual({ requests: 500 });
    expect(() => parseOptionValue(spec, 'soon')).toThrow('--warmup: got "soon", expected a duration such as 2s, or a request count such as 500');
  });
});

describe('cross-option checks', () => {
  it('accepts a plain burst', () => {
    expect(() => validateTrafficOptions(base)).not.toThrow();
  });

  it('names the flags that do not fit together', () => {
    expect(usageMessage(() => validateTrafficOptions({ ...base, mode: 'rate', httpClient: 'undici' }))).toBe(
      '--mode rate needs --rate R (requests per second)',
    );
    expect(usageMessage(() => validateTrafficOptions({ ...base, ratePerSec: 100 }))).toContain('--rate does not apply to --mode burst');
    expect(usageMessage(() => validateTrafficOptions({ ...base, mode: 'find-max', httpClient: 'undici', workers: 2 }))).toContain(
      'find-max runs in one thread',
    );
    expect(usageMessage(() => validateTrafficOptions({ ...base, mode: 'rate', ratePerSec: 5 }))).toContain('--http-client socket applies to --mode burst');
    expect(usageMessage(() => validateTrafficOptions({ ...base, workers: 4, connections: 2 }))).toContain('--workers 4 is more than --connections 2');
    expect(usageMessage(() => validateTrafficOptions({ ...base, maxP99Ms: 10 }))).toContain('apply to --mode find-max, not burst');
  });
});

describe('loopback only', () => {
  it('knows loopback addresses', () => {
    for (const a of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', '::ffff:127.0.0.1']) expect(isLoopbackHost(a)).toBe(true);
    for (const a of ['10.0.0.1', '192.0.2.1', '::', '0.0.0.0', '::ffff:10.0.0.1', '128.0.0.1']) expect(isLoopbackHost(a)).toBe(false);
  });

  it('accepts loopback URLs, localhost included', async () => {
    expect((await checkTrafficUrl('http://127.0.0.1:8080/x', false)).port).toBe('8080');
    expect((await checkTrafficUrl('http://[::1]:8080/x', false)).hostname).toBe('[::1]');
    expect((await checkTrafficUrl('http://localhost:8080/x', false)).hostname).toBe('localhost');
  });

  it('refuses other hosts with one usage line naming the URL', async () => {
    const refused = checkTrafficUrl('http://192.0.2.10:8080/quote', false);
    await expect(refused).rejects.toBeInstanceOf(GwscaleError);
    await expect(checkTrafficUrl('http://192.0.2.10:8080/quote', false)).rejects.toThrow(
      '--url http://192.0.2.10:8080/quote: 192.0.2.10 is not a loopback address; traffic goes only to 127.0.0.1 or ::1',
    );
    await expect(checkTrafficUrl('http://192.0.2.10:8080/quote', true)).resolves.toBeInstanceOf(URL);
    await expect(checkTrafficUrl('ftp://127.0.0.1/x', false)).rejects.toThrow(/only http and https/);
    await expect(checkTrafficUrl('nonsense', false)).rejects.toThrow(/not a URL/);
  });

  it('never repeats credentials from a URL', async () => {
    const attempt = checkTrafficUrl('http://admin:s3cret@127.0.0.1:8080/x', false);
    await expect(attempt).rejects.toThrow(/credentials in a URL/);
    await expect(checkTrafficUrl('http://admin:s3cret@127.0.0.1:8080/x', false)).rejects.not.toThrow(/s3cret/);
    expect(redactUrl('http://admin:s3cret@127.0.0.1:8080/x')).toBe('http://127.0.0.1:8080/x');
  });
});
