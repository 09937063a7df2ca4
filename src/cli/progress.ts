/**
 * Progress of a run on stderr: a live bar per round (services/s, current memory) on a terminal,
 * plain lines otherwise (CI logs, pipes).
 */
import cliProgress from 'cli-progress';
import type { RunEvent, RunListener } from '../api/run.js';
import { formatBytes } from '../units.js';

/** The scatter of one point's readings: their range (highest − lowest), e.g. `spread 88.2 KiB`. */
function spreadText(readings: readonly number[]): string {
  return `spread ${formatBytes(Math.max(...readings) - Math.min(...readings))}`;
}

export function progressListener(err: (text: string) => void, isTty: boolean): RunListener & { stop(): void } {
  let bar: cliProgress.SingleBar | null = null;
  let roundStarted = 0;
  let roundFrom = 0;
  let memory = '—';
  const stopBar = (): void => {
    bar?.stop();
    bar = null;
  };
  const line = (text: string): void => {
    if (bar) {
      // Keep the bar intact: print the line above it.
      stopBar();
    }
    err(text + '\n');
  };
  const listener = (event: RunEvent): void => {
    switch (event.type) {
      case 'gateway-started':
        line(`gateway ${event.reason === 'start' ? 'started' : 'restarted'}: ${event.version}${event.pid ? ` (pid ${event.pid})` : ''}`);
        break;
      case 'round-start':
        roundStarted = Date.now();
        roundFrom = event.from;
        if (isTty) {
          bar = new cliProgress.SingleBar(
            {
              format: `round ${event.round} [{bar}] {value}/{total} services | {rate} services/s | memory {memory}`,
              hideCursor: true,
              stream: process.stderr,
              clearOnComplete: true,
            },
            cliProgress.Presets.shades_classic,
          );
          bar.start(event.to, event.from, { rate: '0', memory });
        } else {
          err(`round ${event.round}: registering services ${event.from + 1}–${event.to} of ${event.total}\n`);
        }
        break;
      case 'registered':
        if (bar) {
          const seconds = Math.max((Date.now() - roundStarted) / 1000, 0.001);
          bar.update(event.services, { rate: ((event.services - roundFrom) / seconds).toFixed(0), memory });
        }
        break;
      case 'deploy-start':
        stopBar();
        err(`deploying the whole configuration (${event.services} services)…\n`);
        break;
      case 'measured': {
        const row = event.row;
        memory = formatBytes(row.memoryBytes);
        const parts = [`${row.event} @ ${row.services} services: ${memory} (${row.memorySource})`];
        const readings = row.readingsBytes ?? [];
        if (readings.length > 1) parts.push(`${readings.length} readings, ${spreadText(readings)}`);
        if (row.rssBytes !== null) parts.push(`RSS ${formatBytes(row.rssBytes)}`);
        if (row.peakBytes !== null)
          parts.push(
            `deploy peak ${formatBytes(row.peakBytes)}${row.peakSource === 'heap' ? ' heap' : row.peakSource === 'pss-tree' ? ' PSS (process tree)' : ''}`,
          );
        if (row.deployMs !== null) parts.push(`deploy ${(row.deployMs / 1000).toFixed(2)} s`);
        line('  ' + parts.join(', '));
        break;
      }
      case 'sequential':
        if (event.state !== 'continue') line(`  sequential test after ${event.redeploys} redeploys: ${event.state} (${event.reason})`);
        else if (event.redeploys >= event.max)
          line(`  sequential test undecided after ${event.redeploys} redeploys (the most --redeploys auto:${event.max} allows): ${event.reason}`);
        break;
      case 'load-sequential':
        if (event.state !== 'continue') line(`  traffic test after ${event.repeats} repeats of the highest concurrency: ${event.state} (${event.reason})`);
        else if (event.repeats >= event.max)
          line(`  traffic test undecided after ${event.repeats} repeats (the most --load-repeats auto:${event.max} allows): ${event.reason}`);
        break;
      case 'warning':
        line(`warning: ${event.message}`);
        break;
      case 'log':
        line(event.message);
        break;
    }
  };
  return Object.assign(listener, { stop: stopBar });
}
