/**
 * Bench: what a big run costs. One `gwscale run` of 20,000 services on the reference gateway in
 * rounds of 2,000 (each round's new services verified through the gateway), and how its wall time
 * splits between registration, deploys, the memory measurement after each round, verification and
 * the rest, all from the run log. Checks that the harness stays small beside the gateway at this
 * size too (same ≤ 0.25 target as the overhead bench).
 *
 *   npx tsx bench/scale.ts   (BENCH_SCALE_SERVICES=20000, BENCH_SCALE_VERIFY=new)
 */
import type { RunRecord } from '../src/run-log/records.js';
import { check, isMain, runAlone, sig, type BenchOutcome } from './lib/check.js';
import { childCpu, runGwscale } from './lib/cli-run.js';

const SERVICES = Number(process.env['BENCH_SCALE_SERVICES'] ?? 20_000);
const BATCH = Math.max(1, Math.round(SERVICES / 10));
const VERIFY = process.env['BENCH_SCALE_VERIFY'] ?? 'new';

/** Wall time of a run by phase, in seconds, from its run log alone. */
export interface TimeSplit {
  readonly gatewayStart: number;
  readonly registration: number;
  readonly deploy: number;
  /** GC and memory readings after each round (and the sampler's last reading after a deploy). */
  readonly measure: number;
  /** Verification through the gateway and the listing check, after each round's measurement. */
  readonly verifyAndListing: number;
  /** The driver's wall time in all (run-end). */
  readonly driver: number;
}

/** Splits a run's wall time by phase. Pure: a run log's records in, seconds out. */
export function timeSplitOf(records: readonly RunRecord[]): TimeSplit {
  let gatewayStartMs = 0;
  let registerMs = 0;
  let deployMs = 0;
  let measureMs = 0;
  let rowsMs = 0;
  let driverSeconds = NaN;
  for (const r of records) {
    if (r.type === 'gateway-start') gatewayStartMs += r.startMs;
    else if (r.type === 'register') registerMs += r.ms;
    else if (r.type === 'deploy') deployMs += r.ms;
    else if (r.type === 'round' && r.round.elapsedMs !== null) {
      rowsMs += r.round.elapsedMs;
      measureMs += r.round.elapsedMs - (r.round.registerMs ?? 0) - (r.round.deployMs ?? 0);
    } else if (r.type === 'run-end') driverSeconds = r.wallSeconds;
  }
  return {
    gatewayStart: gatewayStartMs / 1000,
    registration: registerMs / 1000,
    deploy: deployMs / 1000,
    measure: measureMs / 1000,
    verifyAndListing: Math.max(0, driverSeconds - (gatewayStartMs + rowsMs) / 1000),
    driver: driverSeconds,
  };
}

/** Per round: services reached, registration rate, deploy time per 1,000 services. */
function roundsOf(records: readonly RunRecord[]): Record<string, number>[] {
  const deploys = new Map(records.flatMap((r) => (r.type === 'deploy' ? [[r.round, r.ms] as const] : [])));
  return records.flatMap((r) =>
    r.type === 'register'
      ? [
          {
            round: r.round,
            services: r.to,
            registrationsPerSecond: sig((r.to - r.from) / (r.ms / 1000)),
            deploySeconds: sig((deploys.get(r.round) ?? NaN) / 1000),
            deployMsPer1000Services: sig(((deploys.get(r.round) ?? NaN) / r.to) * 1000),
          },
        ]
      : [],
  );
}

export async function run(): Promise<BenchOutcome> {
  const args = ['--profile', 'healthy', '--services', String(SERVICES), '--batch', String(BATCH), '--verify', VERIFY];
  const measured = await runGwscale(args, 1_200_000);
  const end = measured.records.at(-1);
  if (end?.type !== 'run-end' || end.state !== 'completed') throw new Error(`the run did not complete: ${measured.stderrTail}`);
  const split = timeSplitOf(measured.records);
  const samples = measured.records.filter((r) => r.type === 'sample').length;
  const share = (s: number): string => `${sig(s)} s (${Math.round((100 * s) / measured.wallSeconds)} %)`;
  return {
    name: 'scale',
    info: [
      `scale: ${SERVICES} services in rounds of ${BATCH} (verify ${VERIFY}): wall ${sig(measured.wallSeconds)} s = registration ${share(split.registration)}, deploys ${share(split.deploy)}, measuring ${share(split.measure)}, verify+listing ${share(split.verifyAndListing)}, gateway start ${share(split.gatewayStart)}, start-up+reports ${share(measured.wallSeconds - split.driver)}`,
      `scale: ${samples} memory samples during deploys; harness ${sig(measured.harnessProcessCpuSeconds)} CPU s, gateway ${sig(end.overhead.gatewayCpuSeconds)} CPU s, backend ${sig(childCpu(measured.children, 'backend/main.js'))} CPU s`,
    ],
    checks: [check(`scale: gwscale CPU ÷ gateway CPU at ${SERVICES} services`, measured.harnessProcessCpuSeconds / end.overhead.gatewayCpuSeconds, '<=', 0.25)],
    data: {
      command: `gwscale run ${args.join(' ')}`,
      wallSeconds: sig(measured.wallSeconds),
      splitSeconds: Object.fromEntries(Object.entries(split).map(([k, v]: [string, number]) => [k, sig(v)])),
      startupAndReportsSeconds: sig(measured.wallSeconds - split.driver),
      samples,
      harnessProcessCpuSeconds: sig(measured.harnessProcessCpuSeconds),
      gatewayCpuSeconds: sig(end.overhead.gatewayCpuSeconds),
      backendCpuSeconds: sig(childCpu(measured.children, 'backend/main.js')),
      rounds: roundsOf(measured.records),
    },
  };
}

if (isMain(import.meta.url)) await runAlone(run);
