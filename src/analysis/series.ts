/**
 * Rows arranged the way the rules read them: deploy rows (rounds, redeploys, restarts) split into
 * segments at each restart, each with the number of services whose superseded configurations a
 * gateway that never releases old configurations would still hold; and the traffic (`load`) rows.
 */
import type { Round } from '../run-log/round.js';

export interface DeployRow {
  readonly row: Round;
  /** 0 until the first restart, then 1, … */
  readonly segment: number;
  /**
   * Σ services of the configurations this row's deploys replaced since the gateway (re)started: 0
   * for a fresh start and a restart row; what a retain-old-configurations leak keeps.
   */
  readonly supersededServices: number;
  /** Deploys since the segment started. */
  readonly deploysInSegment: number;
}

export interface Series {
  /** Round, redeploy and restart rows in time order. */
  readonly deployRows: readonly DeployRow[];
  /** Traffic steps, in time order. */
  readonly loadRows: readonly Round[];
  /** Rows after a crash are not analysed; the crash row itself is kept for the report. */
  readonly crashRows: readonly Round[];
}

/** A deploy row that holds no retained configuration: a fresh start or a restart. */
export const isClean = (d: DeployRow): boolean => d.supersededServices === 0;

/** Arranges rows (time order) into deploy segments and load steps. */
export function seriesOf(rounds: readonly Round[]): Series {
  const deployRows: DeployRow[] = [];
  const loadRows: Round[] = [];
  const crashRows: Round[] = [];
  let segment = 0;
  let superseded = 0;
  let deploys = 0;
  // Services of the configuration in force; a gateway starts with none.
  let active = 0;
  let started = false;
  for (const row of rounds) {
    if (row.event === 'crash') {
      crashRows.push(row);
      continue;
    }
    if (row.event === 'load') {
      loadRows.push(row);
      continue;
    }
    if (row.event === 'restart') {
      if (started) segment++;
      superseded = 0;
      deploys = 0;
      active = row.services;
      started = true;
      deployRows.push({ row, segment, supersededServices: 0, deploysInSegment: 0 });
      continue;
    }
    if (row.resumed === true && started) {
      // A resumed run restarted the gateway, which loaded the last deployed configuration.
      segment++;
      superseded = 0;
      deploys = 0;
    }
    // A first row with no services is the fresh gateway before any deploy.
    const deployed = !(row.services === 0 && row.deployMs === null && !started);
    if (deployed) {
      superseded += active;
      deploys++;
      active = row.services;
    }
    started = true;
    deployRows.push({ row, segment, supersededServices: superseded, deploysInSegment: deploys });
  }
  return { deployRows, loadRows, crashRows };
}
