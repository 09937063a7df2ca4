/**
 * Bench: the harness must not be what it measures. One `gwscale run` on the reference gateway,
 * 5,000 services in rounds of 500 with the default settings (every service verified through the
 * gateway after every deploy): CPU seconds of the gwscale process ÷ CPU seconds of the gateway
 * process, both as the OS counts them. The SOAP backend is a third process, reported on its own.
 * Target: ≤ 0.25.
 *
 *   npx tsx bench/overhead.ts   (BENCH_OVERHEAD_SERVICES=5000, BENCH_OVERHEAD_VERIFY=all)
 */
import { check, isMain, runAlone, sig, type BenchOutcome } from './lib/check.js';
import { childCpu, runGwscale } from './lib/cli-run.js';

const SERVICES = Number(process.env['BENCH_OVERHEAD_SERVICES'] ?? 5000);
const BATCH = Math.max(1, Math.round(SERVICES / 10));
const VERIFY = process.env['BENCH_OVERHEAD_VERIFY'] ?? 'all';
const TARGET = 0.25;

export async function run(): Promise<BenchOutcome> {
  const args = ['--profile', 'healthy', '--services', String(SERVICES), '--batch', String(BATCH), '--verify', VERIFY];
  const measured = await runGwscale(args, 900_000);
  const end = measured.records.at(-1);
  if (end?.type !== 'run-end' || end.state !== 'completed') throw new Error(`the run did not complete: ${measured.stderrTail}`);
  const gatewayCpu = end.overhead.gatewayCpuSeconds;
  const backendCpu = childCpu(measured.children, 'backend/main.js');
  return {
    name: 'overhead',
    checks: [
      check(
        `overhead: gwscale CPU ÷ gateway CPU (${SERVICES} services, rounds of ${BATCH}, verify ${VERIFY})`,
        measured.harnessProcessCpuSeconds / gatewayCpu,
        '<=',
        TARGET,
      ),
    ],
    data: {
      command: `gwscale run ${args.join(' ')}`,
      harnessProcessCpuSeconds: sig(measured.harnessProcessCpuSeconds),
      harnessDriverCpuSeconds: sig(end.overhead.harnessCpuSeconds),
      gatewayCpuSeconds: sig(gatewayCpu),
      gatewayCpuSecondsPolled: sig(childCpu(measured.children, 'reference-gateway/main.js')),
      backendCpuSeconds: sig(backendCpu),
      allProcessesCpuSeconds: sig(measured.treeCpuSeconds),
      ratioOfReportJson: sig(end.overhead.harnessCpuSeconds / gatewayCpu),
      wallSeconds: sig(measured.wallSeconds),
      note: 'harnessProcess = the whole gwscale process (start-up, WSDL server, driver, reports); harnessDriver = what report.json counts (the driver, run start to end)',
    },
  };
}

if (isMain(import.meta.url)) await runAlone(run);
