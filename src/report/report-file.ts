/**
 * Reading a report.json back (for `gwscale compare`): checks the schema version and the fields a
 * comparison needs, so an old or foreign file fails with one line saying what to do.
 */
import { z } from 'zod';
import { inputError } from '../errors.js';
import type { ComparedReport } from './compare.js';
import { REPORT_SCHEMA_VERSION } from './report-json.js';
import { VERDICT_KINDS } from './verdict-words.js';

const nullableNumber = z.number().nullable();
const ci = z.tuple([nullableNumber, nullableNumber]).nullable();
const estimate = z.looseObject({ value: nullableNumber, ci95: ci }).nullable();

/** The fields compare reads; everything else in the file is kept as it is. */
const comparedShape = z.looseObject({
  schemaVersion: z.number(),
  target: z.string(),
  profile: z.string(),
  state: z.string(),
  tool: z.looseObject({ version: z.string() }),
  gateway: z.looseObject({ version: z.string().nullable() }),
  settings: z.record(z.string(), z.unknown()),
  verdict: z.looseObject({
    kind: z.enum(VERDICT_KINDS as [string, ...string[]]),
    summary: z.string(),
    reasons: z.array(z.looseObject({ rule: z.string(), answer: z.string() })),
  }),
  perServiceBytes: nullableNumber,
  retainedPerDeployBytes: nullableNumber,
  boundedRetentionBytes: nullableNumber,
  deployPeakFactor: z.number(),
  deployTimeExponent: nullableNumber,
  heapMaxBytes: nullableNumber,
  predictedOomServices: nullableNumber,
  bytesPerConcurrency: nullableNumber,
  predictedOomInterval: ci.optional(),
  estimates: z.looseObject({ perService: estimate, retainedPerDeploy: estimate, deployTimeExponent: estimate, model: z.unknown() }),
  rounds: z.array(z.looseObject({ services: z.number(), memoryBytes: z.number(), role: z.string() })),
  crash: z.unknown(),
});

/**
 * Parses a report.json's text into the report a comparison reads.
 * @param file named in error messages.
 */
export function parseReportJson(text: string, file: string): ComparedReport {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw inputError(
      `${file}: not valid JSON (${error instanceof Error ? error.message : String(error)})`,
      'pass a report.json written by gwscale, or the run folder',
    );
  }
  const version = (json as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (typeof version === 'number' && version !== REPORT_SCHEMA_VERSION) {
    throw inputError(
      `${file}: report schema ${version}, but this gwscale reads schema ${REPORT_SCHEMA_VERSION}`,
      're-render it from its run log with `gwscale report RUN_DIR`, or pass the run folder',
    );
  }
  const parsed = comparedShape.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw inputError(
      `${file}: field ${issue?.path.join('.') || '(top level)'}: ${issue?.message ?? 'invalid'}`,
      'pass a report.json written by `gwscale run` or `gwscale report`, or the run folder',
    );
  }
  return parsed.data as unknown as ComparedReport;
}
