/**
 * The terminal summary of a traffic result (and soak / find-max progress lines). Renderers return
 * strings; the CLI prints them.
 */
import { isLocustResult, type LocustTrafficResult } from './locust/totals.js';
import { errorTotal, trafficErrorKinds, type FindMaxResult, type FindMaxStep, type SoakTick, type TrafficResult } from './result.js';

const count = (n: number): string => Math.round(n).toLocaleString('en-US');
const rate = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 1 });
const ms = (n: number): string => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
const seconds = (n: number): string => (n < 1000 ? `${Math.round(n)} ms` : `${(n / 1000).toFixed(1)} s`);

function isFindMax(result: TrafficResult): result is FindMaxResult {
  return 'findMax' in result;
}

/** One `find-max` step as a progress line. */
export function renderFindMaxStep(step: FindMaxStep): string {
  const verdict = step.passed ? 'held' : `failed: ${step.reason ?? ''}`;
  return `${step.phase.padEnd(7)} ${rate(step.ratePerSec).padStart(9)}/s  answers ${rate(step.throughputPerSec).padStart(9)}/s  p99 ${ms(step.p99Ms).padStart(7)} ms  errors ${(step.errorRate * 100).toFixed(2).padStart(6)}%  ${verdict}`;
}

/** One `soak` progress line: current and overall throughput. */
export function renderSoakTick(tick: SoakTick): string {
  return `${seconds(tick.elapsedMs).padStart(9)}  now ${rate(tick.intervalThroughputPerSec).padStart(9)}/s  overall ${rate(tick.overallThroughputPerSec).padStart(9)}/s  p99 ${ms(tick.intervalP99Ms).padStart(7)} ms  errors ${count(tick.intervalErrors)}  in flight ${count(tick.inFlight)}`;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Most per-service rows printed; the JSON result has them all. */
const SERVICE_ROWS = 20;

/** What only a Locust run has: rate kept, workers, per-service counts, the target's own count, caveats. */
function renderLocustSection(result: LocustTrafficResult): string[] {
  const l = result.locust;
  const lines: string[] = [];
  if (result.requestedRatePerSec !== null && l.achievedRatio !== null) {
    lines.push(
      `  rate       requested ${rate(result.requestedRatePerSec)}/s, achieved ${rate(result.throughputPerSec)}/s (${Math.round(l.achievedRatio * 100)}%${l.rateShortfall ? ', UNDER 95%' : ''})`,
    );
  }
  const finals = l.workers.filter((w) => w.reportedFinalTotals).length;
  lines.push(
    `  workers    ${finals} of ${l.workers.length} reported final totals · CPU max ${result.headroom.cpuPercentPerThread}% of a core · ${result.headroom.cpuSeconds} CPU-s in all`,
  );
  if (l.targetCount !== null) {
    lines.push(
      `  checked    ${l.targetCount.source} counted ${count(l.targetCount.requests)} requests: ${l.targetCount.matches ? 'the same as Locust' : `Locust counted ${count(result.completed)}`}`,
    );
  }
  lines.push('  per service');
  for (const row of l.perService.slice(0, SERVICE_ROWS))
    lines.push(`    ${row.name}  ${count(row.requests)} requests${row.failures > 0 ? `, ${count(row.failures)} failed` : ''}`);
  if (l.perService.length > SERVICE_ROWS) lines.push(`    … ${l.perService.length - SERVICE_ROWS} more in the JSON result`);
  lines.push(`  locustfile ${l.locustfile}`);
  for (const caveat of l.caveats) lines.push(`  note: ${caveat}`);
  return lines;
}

/** A human summary of a result, several lines, ending with a newline. */
export function renderTrafficSummary(result: TrafficResult, description?: string): string {
  const lines: string[] = [];
  const locust = isLocustResult(result) ? result : null;
  const threads =
    locust !== null ? `locust ${locust.locust.version}, ${plural(result.workers, 'worker')}` : result.workers === 1 ? '1 thread' : `${result.workers} threads`;
  lines.push(`gwscale traffic: ${result.mode}, ${result.connections} ${locust !== null ? 'users' : 'connections'}, ${threads} → ${result.targets.join(', ')}`);
  if (description !== undefined) lines.push(`  sending    ${description}`);
  const warmup =
    result.warmup.requests > 0 ? ` after a ${seconds(result.warmup.durationMs)} warm-up of ${count(result.warmup.requests)} requests (not counted)` : '';
  lines.push(`  measured   ${seconds(result.durationMs)}${warmup}; stopped by ${result.stoppedBy}`);
  lines.push(
    `  requests   ${count(result.sent)} sent · ${count(result.completed)} completed · ${count(result.ok)} ok${result.unfinished > 0 ? ` · ${count(result.unfinished)} unfinished` : ''}`,
  );
  const requested = result.requestedRatePerSec === null ? '' : `  (requested ${rate(result.requestedRatePerSec)}/s, sent ${rate(result.sendRatePerSec)}/s)`;
  lines.push(`  throughput ${rate(result.throughputPerSec)} req/s, ok ${rate(result.okPerSec)}/s${requested}`);
  const l = result.latency;
  lines.push(
    l.count === 0
      ? '  latency    none recorded'
      : `  latency    p50 ${ms(l.p50Ms)} · p90 ${ms(l.p90Ms)} · p99 ${ms(l.p99Ms)} · p99.9 ${ms(l.p999Ms)} · max ${ms(l.maxMs)} ms (mean ${ms(l.meanMs)})`,
  );
  const failed = errorTotal(result.errors);
  lines.push(
    `  errors     ${
      failed === 0
        ? 'none'
        : trafficErrorKinds
            .filter((k) => result.errors[k] > 0)
            .map((k) => `${k} ${count(result.errors[k])}`)
            .join(' · ')
    }`,
  );
  const h = result.headroom;
  if (locust !== null) {
    lines.push(...renderLocustSection(locust));
  } else {
    lines.push(`  in flight  max ${count(result.maxInFlight)}`);
    lines.push(
      `  client     CPU ${h.cpuPercentPerThread}% of a core per thread · event loop ${Math.round(h.eventLoopUtilization * 100)}% busy · delay p99 ${h.eventLoopDelayP99Ms} ms`,
    );
  }
  if (isFindMax(result)) {
    const f = result.findMax;
    lines.push('  find-max   steps:');
    for (const step of f.steps) lines.push(`    ${renderFindMaxStep(step)}`);
    lines.push(
      f.maxSustainableRatePerSec === null
        ? '  max sustainable rate: none (no rate tried held within the thresholds)'
        : `  max sustainable rate: ${rate(f.maxSustainableRatePerSec)} req/s (${f.confirmed ? 'confirmed by holding it again' : 'NOT confirmed'}; p99 ≤ ${f.thresholds.maxP99Ms} ms, errors ≤ ${(f.thresholds.maxErrorRate * 100).toFixed(2)}%)`,
    );
  }
  for (const warning of result.warnings) lines.push(`  warning: ${warning}`);
  return lines.join('\n') + '\n';
}
