/**
 * The service count at which memory in use × deploy peak factor reaches the heap max: where every
 * deploy starts to fail. Projects the current segment (since the last restart) forward in rounds
 * of the last batch size, under the growth model: the live cost per service, plus — when the
 * gateway retains — the replaced configurations, at the rate the current segment shows.
 */
import type { RetentionModel } from './retention-model.js';
import type { DeployRow, Series } from './series.js';

export type OomModel = 'retention' | 'linear';

export interface OomPrediction {
  /** Interpolated service count; null when no heap max is known or memory does not grow. */
  readonly services: number | null;
  readonly model: OomModel | null;
  /** True when the current segment's own readings already crossed the limit. */
  readonly reachedInData: boolean;
  /** Heap max ÷ peak factor: the memory in use at which a deploy no longer fits. */
  readonly limitBytes: number | null;
  /** Services added per projected round (the last batch size). */
  readonly batchServices: number | null;
  readonly perServiceBytes: number | null;
  readonly retainedPerSupersededServiceBytes: number | null;
  readonly note: string;
}

export interface OomInputs {
  readonly series: Series;
  readonly model: RetentionModel | null;
  /** Live bytes per service (the perServiceBytes estimate). */
  readonly perServiceBytes: number | null;
  /** Whether the verdict found retention that grows with deploys (a leak). */
  readonly retains: boolean;
  readonly heapMaxBytes: number | null;
  readonly peakFactor: number;
}

const MAX_PROJECTED_ROUNDS = 100_000;

const none = (note: string, extra: Partial<OomPrediction> = {}): OomPrediction => ({
  services: null,
  model: null,
  reachedInData: false,
  limitBytes: null,
  batchServices: null,
  perServiceBytes: null,
  retainedPerSupersededServiceBytes: null,
  note,
  ...extra,
});

function lastBatch(rows: readonly DeployRow[]): number | null {
  for (let i = rows.length - 1; i > 0; i--) {
    const step = (rows[i] as DeployRow).row.services - (rows[i - 1] as DeployRow).row.services;
    if (step > 0) return step;
  }
  return null;
}

/** Retained bytes per superseded service shown by the current segment alone (null when it has no replaced configuration yet). */
function segmentRetentionRate(rows: readonly DeployRow[], model: RetentionModel): number | null {
  let xy = 0;
  let xx = 0;
  for (const d of rows) {
    if (d.supersededServices <= 0) continue;
    const excess = d.row.memoryBytes - (model.baseBytes + model.perServiceBytes * d.row.services);
    xy += d.supersededServices * excess;
    xx += d.supersededServices ** 2;
  }
  return xx > 0 ? xy / xx : null;
}

export function predictOom(inputs: OomInputs): OomPrediction {
  const { series, model, heapMaxBytes, peakFactor } = inputs;
  if (heapMaxBytes === null) return none('no heap max known: pass --heap-max (or run with --gateway-heap-mb)');
  const limitBytes = heapMaxBytes / peakFactor;
  const last = series.deployRows[series.deployRows.length - 1];
  if (last === undefined) return none('no deploy rows', { limitBytes });
  const segment = series.deployRows.filter((d) => d.segment === last.segment);
  for (let i = 0; i < segment.length; i++) {
    const d = segment[i] as DeployRow;
    if (d.row.memoryBytes < limitBytes) continue;
    const prev = segment[i - 1];
    const services =
      prev !== undefined && prev.row.memoryBytes < limitBytes && d.row.services > prev.row.services
        ? prev.row.services + ((limitBytes - prev.row.memoryBytes) / (d.row.memoryBytes - prev.row.memoryBytes)) * (d.row.services - prev.row.services)
        : d.row.services;
    return { ...none('the readings since the last restart already reach heap max ÷ peak factor', { limitBytes }), services, reachedInData: true, model: inputs.retains ? 'retention' : 'linear' };
  }
  const batch = lastBatch(series.deployRows);
  if (batch === null) return none('no round added services, so there is no growth to project', { limitBytes });
  const perService = inputs.perServiceBytes ?? model?.perServiceBytes ?? null;
  const rate = inputs.retains && model !== null && model.hasRetentionTerm ? (segmentRetentionRate(segment, model) ?? model.retainedPerSupersededServiceBytes) : 0;
  const retained = Math.max(0, rate);
  const c = Math.max(0, perService ?? 0);
  if (c <= 0 && retained <= 0) return none('memory does not grow with services', { limitBytes, batchServices: batch });
  let s = last.row.services;
  let memory = last.row.memoryBytes;
  for (let k = 0; k < MAX_PROJECTED_ROUNDS; k++) {
    // The next deploy replaces the configuration of s services and adds `batch` new ones.
    const next = memory + c * batch + retained * s;
    if (next >= limitBytes) {
      return {
        services: s + ((limitBytes - memory) / (next - memory)) * batch,
        model: retained > 0 ? 'retention' : 'linear',
        reachedInData: false,
        limitBytes,
        batchServices: batch,
        perServiceBytes: c,
        retainedPerSupersededServiceBytes: retained > 0 ? retained : null,
        note: retained > 0 ? 'projected from the last reading: live cost per service plus the replaced configurations, at the rate since the last restart' : 'projected from the last reading at the live cost per service',
      };
    }
    memory = next;
    s += batch;
  }
  return none(`not within ${MAX_PROJECTED_ROUNDS} more rounds`, { limitBytes, batchServices: batch });
}
