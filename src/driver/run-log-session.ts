/**
 * The run log's life cycle in one session of a run: opened with its first record (`run-start` with
 * the settings, or `resume` when a session continues an interrupted run), closed with `run-end`
 * (how the session ended and what it cost), fsynced on close.
 */
import { harnessVersion } from '../version.js';
import { RUN_LOG_SCHEMA, type RunEndRecord } from '../run-log/records.js';
import { settingsOf, type RunConfig } from './config.js';
import { RunLogWriter } from './run-log.js';
import type { ResumePoint } from './resume.js';

/** Opens (or, for a resume, appends to) the run log at `path` and writes the session's first record. */
export function openRunLog(path: string, config: RunConfig, resume: ResumePoint | undefined, startedAt: number): RunLogWriter {
  const log = new RunLogWriter(path);
  if (resume) {
    log.append({ type: 'resume', at: new Date(startedAt).toISOString(), services: resume.services });
  } else {
    log.append({
      type: 'run-start',
      schema: RUN_LOG_SCHEMA,
      at: new Date(startedAt).toISOString(),
      harnessVersion,
      nodeVersion: process.version,
      target: config.target,
      profile: config.profile,
      settings: settingsOf(config),
    });
  }
  return log;
}

/** What a session cost and how it ended, for its `run-end` record. */
export interface SessionEnd {
  readonly state: RunEndRecord['state'];
  readonly startedAt: number;
  /** `process.cpuUsage()` when the session started: the harness's own CPU is the difference. */
  readonly cpuAtStart: NodeJS.CpuUsage;
  readonly gatewayCpuSeconds: number;
  readonly samplesTaken: number;
}

/** Writes `run-end` and closes the log. */
export function closeRunLog(log: RunLogWriter, end: SessionEnd): void {
  const cpu = process.cpuUsage(end.cpuAtStart);
  log.append({
    type: 'run-end',
    at: new Date().toISOString(),
    state: end.state,
    overhead: { harnessCpuSeconds: (cpu.user + cpu.system) / 1e6, gatewayCpuSeconds: end.gatewayCpuSeconds },
    wallSeconds: (Date.now() - end.startedAt) / 1000,
    samplesTaken: end.samplesTaken,
  });
  log.close();
}
