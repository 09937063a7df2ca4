/**
 * The run log's records checked on read (zod), as report.json is: a hand-edited, foreign or damaged
 * `run.jsonl` fails with one line naming the line and the field, not deep inside the analysis.
 * Objects are loose: a field this version does not know (a newer harness's) is kept, not dropped.
 * Each schema is declared as a `z.ZodType` of its record type, so the type checker keeps the two
 * in step.
 */
import { z } from 'zod';
import type { Round } from './round.js';
import type { GatewayCounts, GatewayExit, RunRecord, RunSettings, VerifyOutcome } from './records.js';

const count = z.number().int().nonnegative();
const bytes = z.number().nonnegative();
const nullableNumber = z.number().nullable();
const numbers = z.record(z.string(), z.number());

const redeployPlan = z.union([count, z.looseObject({ mode: z.literal('auto'), max: count })]);

/**
 * The settings the readers below the driver use, typed; every other setting is kept as recorded.
 * All optional: logs of older versions lack the newer ones.
 */
const settings: z.ZodType<RunSettings> = z.looseObject({
  target: z.string().exactOptional(),
  profile: z.string().exactOptional(),
  services: count.exactOptional(),
  batch: count.exactOptional(),
  redeploys: redeployPlan.exactOptional(),
  loadRepeats: redeployPlan.exactOptional(),
  readings: count.exactOptional(),
  heapMaxBytes: bytes.nullable().exactOptional(),
  gatewayHeapMb: z.number().positive().nullable().exactOptional(),
  leakMarginFraction: z.number().positive().exactOptional(),
});

const round: z.ZodType<Round> = z.looseObject({
  index: count,
  event: z.enum(['round', 'restart', 'redeploy', 'load', 'crash']),
  services: count,
  memoryBytes: bytes,
  readingsBytes: z.array(bytes).exactOptional(),
  memorySource: z.string(),
  afterGc: z.boolean(),
  rssBytes: bytes.nullable(),
  peakBytes: bytes.nullable(),
  peakSource: z.enum(['heap', 'rss', 'pss-tree']).exactOptional(),
  preDeployBytes: bytes.nullable(),
  registerMs: nullableNumber,
  deployMs: nullableNumber,
  elapsedMs: nullableNumber,
  concurrency: nullableNumber,
  requests: count.exactOptional(),
  resumed: z.boolean().exactOptional(),
  extra: numbers.exactOptional(),
});

const counts: z.ZodType<GatewayCounts> = z.looseObject({
  serviceGroups: nullableNumber,
  services: z.number(),
  operations: nullableNumber,
  circuits: nullableNumber,
  attachedPolicies: nullableNumber,
});

const exit: z.ZodType<GatewayExit> = z.looseObject({ exitCode: nullableNumber, signal: z.string().nullable(), stderrTail: z.array(z.string()) });
const verifyOutcome: z.ZodType<VerifyOutcome> = z.looseObject({
  serviceName: z.string(),
  ok: z.boolean(),
  status: nullableNumber,
  error: z.string().exactOptional(),
});
const at = z.string();

/** The schema of each record type. */
const recordSchemas = [
  z.looseObject({
    type: z.literal('run-start'),
    schema: z.literal(1),
    at,
    harnessVersion: z.string(),
    nodeVersion: z.string(),
    target: z.string(),
    profile: z.string(),
    settings,
  }),
  z.looseObject({
    type: z.literal('gateway-start'),
    at,
    version: z.string(),
    pid: z.number().int().nullable(),
    reason: z.enum(['start', 'restart', 'crash-restart', 'resume']),
    startMs: z.number(),
  }),
  z.looseObject({
    type: z.literal('sample'),
    t: z.number(),
    phase: z.enum(['register', 'deploy', 'settle', 'idle', 'load']),
    services: count,
    source: z.string(),
    bytes,
  }),
  z.looseObject({
    type: z.literal('register'),
    round: count,
    from: count,
    to: count,
    ms: z.number(),
    operations: count,
    attachedPolicies: count,
    failed: count,
    failures: z.array(z.string()),
  }),
  z.looseObject({
    type: z.literal('deploy'),
    round: count,
    services: count,
    state: z.enum(['deployed', 'failed']),
    ms: z.number(),
    reason: z.string().exactOptional(),
    underLoad: z
      .looseObject({ concurrency: count, sent: count, ok: count, failed: count, maxInFlight: count, gatewayProcesses: count.nullable() })
      .exactOptional(),
  }),
  z.looseObject({ type: z.literal('listing'), services: count, expected: counts, actual: counts, matches: z.boolean() }),
  z.looseObject({ type: z.literal('verify'), services: count, checked: count, failed: count, failures: z.array(verifyOutcome) }),
  z.looseObject({ type: z.literal('round'), round, extra: numbers.exactOptional() }),
  z.looseObject({ type: z.literal('sequential'), redeploys: count, max: count, state: z.enum(['leak', 'healthy', 'continue']), reason: z.string() }),
  z.looseObject({
    type: z.literal('load-sequential'),
    repeats: count,
    max: count,
    state: z.enum(['leak', 'concurrency-retention', 'healthy', 'continue']),
    reason: z.string(),
  }),
  z.looseObject({ type: z.literal('crash'), at, services: count, phase: z.string(), exit }),
  z.looseObject({ type: z.literal('resume'), at, services: count }),
  z.looseObject({ type: z.literal('error'), at, phase: z.string(), message: z.string() }),
  z.looseObject({
    type: z.literal('entity'),
    at,
    entity: z.looseObject({ service: z.string(), values: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])) }),
  }),
  z.looseObject({ type: z.literal('cleanup'), at, removed: count, failed: count, failures: z.array(z.string()) }),
  z.looseObject({
    type: z.literal('run-end'),
    at,
    state: z.enum(['completed', 'crashed', 'interrupted', 'failed']),
    overhead: z.looseObject({ harnessCpuSeconds: z.number(), gatewayCpuSeconds: z.number() }),
    wallSeconds: z.number(),
    samplesTaken: count,
  }),
] as const;

/** One record of `run.jsonl`, by its `type`. */
export const runRecordSchema: z.ZodType<RunRecord> = z.discriminatedUnion('type', recordSchemas);

const knownTypes: ReadonlySet<unknown> = new Set(recordSchemas.map((schema) => schema.shape.type.value));

/**
 * A record, or what is wrong with it in words (`field round.memoryBytes: expected number`). A
 * record of a type this version does not know (written by a newer harness) is kept as it is:
 * readers switch on the types they know, so it is inert here, and rewriting the log keeps it.
 */
export function parseRunRecord(value: unknown): { readonly record: RunRecord } | { readonly problem: string } {
  const type = typeof value === 'object' && value !== null ? (value as { type?: unknown }).type : undefined;
  // Not one of ours to judge: see above. Its shape is whatever the newer harness wrote.
  if (typeof type === 'string' && !knownTypes.has(type)) return { record: value as RunRecord };
  const parsed = runRecordSchema.safeParse(value);
  if (parsed.success) return { record: parsed.data };
  const issue = parsed.error.issues[0];
  const where = issue?.path.join('.') ?? '';
  return { problem: `${where === '' ? '' : `field ${where}: `}${issue?.message ?? 'invalid'}` };
}
