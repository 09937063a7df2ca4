/** `gwscale run`: the registration scale test. */
import { resolve } from 'node:path';
import { usageError } from '../../errors.js';
import { createInterface } from 'node:readline/promises';
import {
  run,
  resumeRun,
  defaultRunDir,
  runConfigOf,
  absoluteTarget,
  checkNodeRedVersion,
  DEFAULT_NODE_RED_VERSION,
  type ConfirmRemote,
} from '../../api/run.js';
import { gateReport, validateCiFlags } from '../../api/report.js';
import { checkWsdlTemplates, formatWarning } from '../../api/wsdl.js';
import { defineCommand } from '../command-spec.js';
import { progressListener } from '../progress.js';
import { runOptions } from './run-options.js';
import { formatBytes } from '../../units.js';

/** `--yes` answers the question before writing to a remote gateway; a terminal asks it; otherwise nobody can, and the run is refused. */
function confirmation(yes: boolean, err: (text: string) => void): { confirm?: ConfirmRemote } {
  if (yes) return { confirm: () => Promise.resolve(true) };
  if (process.stdin.isTTY !== true || process.stderr.isTTY !== true) return {};
  return {
    confirm: async (plan) => {
      err(`${plan}\n`);
      const prompt = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return /^y(es)?$/i.test((await prompt.question('Go on? [y/N] ')).trim());
      } finally {
        prompt.close();
      }
    },
  };
}

export const runCommand = defineCommand({
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
    'gwscale run --target node-red --gateway-version 3.1.15 --services 1000 --batch 100 --redeploys 10',
    'gwscale run --config run.json --json > report.json',
  ],
  validate(o) {
    validateCiFlags(o);
    if (o.hardStopAfter !== undefined && o.target !== 'haproxy')
      throw usageError(`--hard-stop-after is an HAProxy setting; --target is ${o.target}`, 'use it with --target haproxy');
    if (o.gatewayVersion !== undefined) {
      if (o.target !== 'node-red') throw usageError(`--gateway-version is a Node-RED setting; --target is ${o.target}`, 'use it with --target node-red');
      checkNodeRedVersion(o.gatewayVersion);
    }
    if (o.batch > o.services)
      throw usageError(
        `--batch ${o.batch} is larger than --services ${o.services}`,
        'a round registers --batch services; use a batch no larger than the total',
      );
    if (o.loadRepeats !== 0 && o.loadSteps.length === 0)
      throw usageError('--load-repeats repeats the highest of --load-steps, and none were given', 'add --load-steps C,C,… (e.g. 10,40,20,80)');
    if (o.locustWorkers !== undefined && o.trafficEngine !== 'locust') throw usageError('--locust-workers applies to --traffic-engine locust');
    if (o.attach && o.adminUrl === undefined) throw usageError('--attach needs --admin-url URL: the admin API of the running gateway');
    if (!o.attach && o.adminUrl !== undefined) throw usageError('--admin-url is for a gateway gwscale did not start', 'add --attach');
    if (!o.attach && o.cleanup)
      throw usageError(
        '--cleanup removes what a run registered on a gateway it attached to',
        'add --attach --admin-url URL, or leave out --cleanup (a gateway gwscale starts is stopped at the end anyway)',
      );
    for (const n of o.restartAt) {
      if (n > o.services)
        throw usageError(`--restart-at ${n} is beyond --services ${o.services}`, 'restarts happen after the round that reaches the given service count');
    }
  },
  async run({ options: o, out, err, signal }) {
    // The version asked for is recorded with the run (the exact one it resolved to is the report's gateway version).
    const gatewayVersion = o.target === 'node-red' ? (o.gatewayVersion ?? DEFAULT_NODE_RED_VERSION) : o.gatewayVersion;
    const config = runConfigOf(
      { ...o, target: absoluteTarget(o.target), gatewayVersion },
      o.out === undefined ? defaultRunDir(o.target, o.profile) : resolve(o.out),
    );
    // Each template's warnings once, before the run (the run loads the same templates again).
    if (config.wsdlDir !== null && o.resume === undefined) {
      for (const warning of checkWsdlTemplates(config.wsdlDir, { strict: o.strict })) err(`${formatWarning(warning)}\n`);
    }
    const progress = progressListener(err, process.stderr.isTTY === true);
    try {
      const runOptions = { listener: progress, signal, credentialsFile: o.credentialsFile ?? null, ...confirmation(o.yes, err) };
      const result = o.resume === undefined ? await run(config, runOptions) : await resumeRun(resolve(o.resume), runOptions);
      progress.stop();
      if (o.json) out(JSON.stringify(result.reports.report, null, 2) + '\n');
      // An interrupt is not an error, but it says where the run stopped and how to go on.
      const stopped = result.state === 'interrupted' ? result.interruption : result.error;
      if (stopped) err(`gwscale: ${stopped.message}${stopped.hint ? `\n  hint: ${stopped.hint}` : ''}\n`);
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
        err(
          `  sequential redeploys: ${sequential.decided === null ? 'undecided' : sequential.decided} after ${sequential.redeploys} of at most ${sequential.max} (${sequential.reason})\n`,
        );
      }
      const loadSequential = report.sequentialLoadRepeats;
      if (loadSequential !== null) {
        err(
          `  sequential traffic repeats: ${loadSequential.decided ?? 'undecided'} after ${loadSequential.repeats} of at most ${loadSequential.max} (${loadSequential.reason})\n`,
        );
      }
      if (result.cleanup)
        err(
          `cleanup: removed ${result.cleanup.removed} services${result.cleanup.failed > 0 ? `, ${result.cleanup.failed} failed (first: ${result.cleanup.failures[0] ?? '?'}); gwscale cleanup ${config.outDir} tries again` : ''}\n`,
        );
      err(`report: ${result.reports.files.html ?? result.reports.files.json}\n`);
      // Crash (5), interrupted (130), failed (7) first; then --fail-on verdicts and thresholds.
      const gate = gateReport(result.reports.report, o, `gwscale run ${o.target}/${o.profile}`);
      if (gate.junitFile) err(`junit: ${gate.junitFile}\n`);
      return gate.exitCode;
    } finally {
      progress.stop();
    }
  },
});
