/**
 * Retention that levels off: a cache that fills, a pool, or the step Go and JVM processes take at
 * their first reload. Looks at series where the live set is fixed — redeploys at unchanged
 * services, and the excess over the live line (from fresh-start and restart rows) within a
 * segment — and asks whether the gains shrink to noise. Such retention is bounded, not a leak.
 */
import { fitLiveLine } from './retention-model.js';
import { priorNoiseSdBytes, sawtoothAmplitudeBytes, type NoiseScale } from './noise.js';
import { isClean, type DeployRow, type Series } from './series.js';
import { median } from './order-statistics.js';

/** Fewest points for a plateau to be told from a straight rise. */
export const PLATEAU_MIN_POINTS = 4;
/** The later half may rise by at most this share of the earlier half's rise. */
export const PLATEAU_LATE_SHARE = 0.25;

export interface PlateauSeries {
  readonly kind: 'constant-services' | 'excess-over-live';
  readonly segment: number;
  readonly services: number;
  /** Row indices, in time order. */
  readonly rows: readonly number[];
  /** The values examined (memory, or memory above the live line), bytes. */
  readonly values: readonly number[];
  readonly riseBytes: number;
  readonly earlyRiseBytes: number;
  readonly lateRiseBytes: number;
  readonly lastGainBytes: number;
  /** A difference of two readings smaller than this is noise. */
  readonly noiseBytes: number;
  /** The rise is beyond noise and worth reporting. */
  readonly retains: boolean;
  /** The rise is beyond noise and its gains shrank to noise. */
  readonly levelsOff: boolean;
  /** The later half still rises beyond noise: retention keeps growing. */
  readonly grows: boolean;
}

export interface PlateauAnalysis {
  readonly series: readonly PlateauSeries[];
  /** Largest bounded retention found, bytes; null when none levels off. */
  readonly boundedBytes: number | null;
}

/** Groups of consecutive deploy rows at the same services within one segment (a round and its redeploys). */
export function constantServiceGroups(rows: readonly DeployRow[]): DeployRow[][] {
  const groups: DeployRow[][] = [];
  let current: DeployRow[] = [];
  for (const d of rows) {
    const last = current[current.length - 1];
    if (last && last.segment === d.segment && last.row.services === d.row.services) current.push(d);
    else {
      if (current.length > 0) groups.push(current);
      current = [d];
    }
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

function examine(kind: PlateauSeries['kind'], rows: readonly DeployRow[], values: readonly number[], noise: NoiseScale): PlateauSeries {
  const n = values.length;
  const mid = Math.floor((n - 1) / 2);
  const first = values[0] as number;
  const last = values[n - 1] as number;
  const sd = noise.scale * median(rows.map((d) => priorNoiseSdBytes(d.row)));
  const amplitude = median(rows.map((d) => sawtoothAmplitudeBytes(d.row)));
  const noiseBytes = Math.max(noise.critical * Math.SQRT2 * sd, 2 * amplitude);
  const riseBytes = last - first;
  const earlyRiseBytes = (values[mid] as number) - first;
  const lateRiseBytes = last - (values[mid] as number);
  const lastGainBytes = last - (values[n - 2] as number);
  const memory = median(rows.map((d) => d.row.memoryBytes));
  const retains = n >= PLATEAU_MIN_POINTS && riseBytes > noiseBytes && riseBytes >= 0.01 * memory;
  // Levelling off means the later half rose clearly less than the earlier half, not merely within noise of it.
  const levelsOff =
    retains &&
    earlyRiseBytes - lateRiseBytes > noiseBytes &&
    lateRiseBytes <= Math.max(noiseBytes, PLATEAU_LATE_SHARE * earlyRiseBytes) &&
    lastGainBytes <= noiseBytes;
  const grows = retains && lateRiseBytes > noiseBytes;
  return {
    kind,
    segment: rows[0]?.segment ?? 0,
    services: rows[n - 1]?.row.services ?? 0,
    rows: rows.map((d) => d.row.index),
    values,
    riseBytes,
    earlyRiseBytes,
    lateRiseBytes,
    lastGainBytes,
    noiseBytes,
    retains,
    levelsOff,
    grows,
  };
}

/** Finds the series that rise and level off. `noise` is the run's pooled noise scale. */
export function analysePlateaus(series: Series, noise: NoiseScale): PlateauAnalysis {
  const found: PlateauSeries[] = [];
  for (const group of constantServiceGroups(series.deployRows)) {
    if (group.length >= PLATEAU_MIN_POINTS) found.push(examine('constant-services', group, group.map((d) => d.row.memoryBytes), noise));
  }
  const clean = series.deployRows.filter(isClean);
  // The live line needs a restart: a fresh start and the first round alone extrapolate too far.
  if (clean.some((d) => d.row.event === 'restart') && new Set(clean.map((d) => d.row.services)).size >= 2) {
    const live = fitLiveLine(clean);
    if (live !== null) {
      const [base, perService] = live.fit.coefficients as [number, number];
      const segments = new Set(series.deployRows.map((d) => d.segment));
      for (const segment of segments) {
        const rows = series.deployRows.filter((d) => d.segment === segment);
        // Only segments that span several service counts: constant-services groups are read above.
        if (rows.length < PLATEAU_MIN_POINTS || new Set(rows.map((d) => d.row.services)).size < 3) continue;
        found.push(examine('excess-over-live', rows, rows.map((d) => d.row.memoryBytes - (base + perService * d.row.services)), noise));
      }
    }
  }
  const bounded = found.filter((s) => s.levelsOff);
  return { series: found, boundedBytes: bounded.length > 0 ? Math.max(...bounded.map((s) => s.riseBytes)) : null };
}

/** True when a bounded plateau in `segment` is at least `bytes` − noise: that retention explains the amount. */
export function plateauExplains(plateau: PlateauAnalysis, segment: number | null, bytes: number): boolean {
  return plateau.series.some((s) => s.levelsOff && (segment === null || s.segment === segment) && s.riseBytes + s.noiseBytes >= bytes);
}
