/**
 * Lifecycle events of a run (autocannon's start/tick/done idea): the driver emits them, the progress
 * bar, the log and the tests listen. Nothing here is needed to compute results.
 */
import type { Round } from '../run-log/round.js';
import type { LoadSequentialState, SequentialState } from '../analysis/sequential.js';

export type RunEvent =
  | { readonly type: 'gateway-started'; readonly version: string; readonly pid: number | null; readonly reason: string }
  | { readonly type: 'round-start'; readonly round: number; readonly from: number; readonly to: number; readonly total: number }
  | { readonly type: 'registered'; readonly services: number; readonly roundTarget: number }
  | { readonly type: 'deploy-start'; readonly services: number }
  | { readonly type: 'measured'; readonly row: Round }
  | { readonly type: 'sequential'; readonly redeploys: number; readonly max: number; readonly state: SequentialState; readonly reason: string }
  | { readonly type: 'load-sequential'; readonly repeats: number; readonly max: number; readonly state: LoadSequentialState; readonly reason: string }
  | { readonly type: 'warning'; readonly message: string }
  | { readonly type: 'log'; readonly message: string };

export type RunListener = (event: RunEvent) => void;
