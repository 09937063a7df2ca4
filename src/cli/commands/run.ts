/** `gwscale run`: the registration scale test. */
import { resolve } from 'node:path';
import { usageError } from '../../errors.js';
import { run, resumeRun, defaultRunDir, checkNodeRedVersion, DEFAULT_NODE_RED_VERSION, type RedeployPlan, type RunConfig, type TargetName } from '../../api/run.js';
import { gateReport, validateCiFlags } from '../../api/report.js';
import type { CommandSpec } from '../command-spec.js';
import { progressListener } from '../progress.js';
import { runOptions } from './run-options.js';
import { formatBytes } from '../../units.js';

interface RunFlags {
  target: TargetName;
  profile: string;
  services: number;
  batch: number;
  concurrency: number;
  restartAt: number[];
  redeploys: RedeployPlan;
  readings: number;
  readingIntervalMs: number;
  leakMargin: number;
  gatewayHeapMb?: number;
  heapMax?: number;
  wsdlVersion: RunConfig['wsdlVersion'];
  wsdl?: string;
  seed: number;
  verify: RunConfig['verify'];
  callTimeoutMs: number;
  sampleIntervalMs: number;
  backendLatencyMs: number;
  out?: string;
  json: boolean;
  restartOnCrash: boolean;
  loadSteps: number[];
  loadStepMs: number;
  loadIdleMs: number;
  loadServices: number;
  redeployMode: 'full' | 'reload';
  hardStopAfter?: number;
  deployUnderLoad: number;
  discardOld: 'true' | 'false';
  gatewayVersion?: string;
  credentialsFile?: string;
  resume?: string;
  junit?: string;
  failOn: string[];
  maxPerService?: number;
}

export const runCommand: CommandSpec<RunFlags> = {
  name: 'run',
  summary: 'register N services in rounds, deploy each round, measure memory, and give a verdict',
  args: [],
  options: runOptions,
  configFile: true,
  examples: [
    'gwscale run --profile retain-configs --services 800 --batch 100 --restart-at 400 --redeploys 4',
    'gwscale run --target caddy --services 5000 --batch 500 --redeploys 6',
    'gwscale run --target node-red --gateway-version 3.1.15 --services 1000 --batch 100 --redeploys 10',
    'gwscale run --profile healthy --services 400 --batch 100 --redeploys auto:20 --readings 5',
    'gwscale run --config run.json --json > report.json',
  ],
  validate(o) {
    validateCiFlags(o);
    if (o.hardStopAfter !== undefined && o.target !== 'haproxy') throw usageError(`--hard-stop-after is an HAProxy setting; --target is ${o.target}`, 'use it with --target haproxy');
    if (o.gatewayVersion !== undefined) {
      if (o.target !== 'node-red') throw usageError(`--gateway-version is a Node-RED setting; --target is ${o.target}`, 'use it with --target node-red');
      checkNodeRedVersion(o.gatewayVersion);
    }
    if (o.batch > o.services) throw usageError(`--batch ${o.batch} is larger than --services ${o.services}`, 'a round registers --batch services; use a batch no larger than the total');
    for (const n of o.restartAt) {
      if (n > o.services) throw usageError(`--restart-at ${n} is beyond --services ${o.services}`, 'restarts happen after the round that reaches the given service count');
    }
  },
  async run({ options: o, out, err, signal }) {
    const config: RunConfig = Object.freeze({
      target: o.target,
      profile: o.profile,
      services: o.services,
      batch: o.batch,
      concurrency: o.concurrency,
      restartAt: Object.freeze([...o.restartAt]),
      redeploys: typeof o.redeploys === 'number' ? o.redeploys : Object.freeze({ ...o.redeploys }),
      readings: o.readings,
      readingIntervalMs: o.readingIntervalMs,
      leakMarginFraction: o.leakMargin,
      gatewayHeapMb: o.gatewayHeapMb ?? null,
      heapMaxBytes: o.heapMax ?? null,
      wsdlVersion: o.wsdlVersion,
      wsdlDir: o.wsdl === undefined ? null : resolve(o.wsdl),
      seed: o.seed,
      outDir: o.out === undefined ? defaultRunDir(o.target, o.profile) : resolve(o.out),
      verify: o.verify,
      callTimeoutMs: o.callTimeoutMs,
      sampleIntervalMs: o.sampleIntervalMs,
      backendLatencyMs: o.backendLatencyMs,
      restartOnCrash: o.restartOnCrash,
      loadSteps: Object.freeze([...o.loadSteps]),
      loadStepMs: o.loadStepMs,
      loadIdleMs: o.loadIdleMs,
      loadServices: o.loadServices,
      ...(o.deployUnderLoad > 0 ? { deployUnderLoad: o.deployUnderLoad } : {}),
      // Recorded only where it means something, so a Caddy report does not show a Tomcat setting.
      ...(o.target === 'tomcat' ? { redeployMode: o.redeployMode } : {}),
      ...(o.target === 'haproxy' && o.hardStopAfter !== undefined ? { hardStopAfterMs: o.hardStopAfter } : {}),
      ...(o.target === 'varnish' ? { discardOld: o.discardOld === 'true' } : {}),
      ...(o.target === 'node-red' ? { gatewayVersion: o.gatewayVersion ?? DEFAULT_NODE_RED_VERSION } : {}),
    });
    const progress = progressListener(err, process.stderr.isTTY === true);
    try {
      const runOptions = { listener: progress, signal, credentialsFile: o.credentialsFile ?? null };
      const result = o.resume === undefined ? await run(config, runOptions) : await resumeRun(resolve(o.resume), runOptions);
      progress.stop();
      if (o.json) out(JSON.stringify(result.reports.report, null, 2) + '\n');
      if (result.error) err(`gwscale: ${result.error.message}${result.error.hint ? `\n  hint: ${result.error.hint}` : ''}\n`);
      const report = result.reports.report;
      err(`verdict: ${report.verdict.summary}\n`);
      const numbers = [
        `memory per service ${formatBytes(report.perServiceBytes)}`,
        `retained per deploy ${formatBytes(report.retainedPerDeployBytes)}`,
        `deploy peak factor ${report.deployPeakFactor}`,
        `out of memory at ${report.predictedOomServices === null ? '—' : `≈${report.predictedOomServices} services`}`,
      ];
      err(`  ${numbers.join(', ')}\n`);
      const sequential = report.sequentialRedeploys;
      if (sequential !== null) {
        err(`  sequential redeploys: ${sequential.decided === null ? 'undecided' : sequential.decided} after ${sequential.redeploys} of at most ${sequential.max} (${sequential.reason})\n`);
      }
      err(`report: ${result.reports.files.html ?? result.reports.files.json}\n`);
      // Crash (5), interrupted (130), failed (7) first; then --fail-on verdicts and thresholds.
      const gate = gateReport(result.reports.report, o, `gwscale run ${o.target}/${o.profile}`);
      if (gate.junitFile) err(`junit: ${gate.junitFile}\n`);
      return gate.exitCode;
    } finally {
      progress.stop();
    }
  },
};
