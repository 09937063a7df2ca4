/**
 * What a run created on a gateway it did not start, kept so it can be undone: every entity an
 * adapter's `register` reports goes into the run log as an `entity` record, and `--cleanup` (or
 * `gwscale cleanup RUN_DIR` later) removes them and records a `cleanup` record.
 *
 * The records are appended beside the driver's own writer: the log is opened for appending, and
 * each record is one write(2) of one line, so the two never split each other's lines.
 */
import type { CleanupOutcome, GatewayAdapter, RegisteredEntity } from '../gateways/adapter.js';
import type { RunRecord } from '../run-log/records.js';
import { RunLogWriter } from './run-log.js';
import { wrapAdapter } from '../gateways/wrap-adapter.js';

/** The adapter with every registered entity appended to the run log as it is created. */
export function withEntityLog(adapter: GatewayAdapter, runLogPath: string): GatewayAdapter {
  let writer: RunLogWriter | null = null;
  return wrapAdapter(adapter, {
    async register(service) {
      const outcome = await adapter.register(service);
      if (outcome.entity !== undefined) {
        writer ??= new RunLogWriter(runLogPath);
        writer.append({ type: 'entity', at: new Date().toISOString(), entity: outcome.entity });
      }
      return outcome;
    },
    async stop() {
      await adapter.stop();
      writer?.close();
      writer = null;
    },
  });
}

/** The entities a run log says were created and not yet removed by an earlier cleanup. */
export function entitiesToRemove(records: readonly RunRecord[]): RegisteredEntity[] {
  const last = records.map((r) => r.type).lastIndexOf('cleanup');
  const cleanup = last < 0 ? undefined : records[last];
  // A cleanup that removed everything it tried leaves nothing before it to remove.
  const from = cleanup?.type === 'cleanup' && cleanup.failed === 0 ? last + 1 : 0;
  return records.slice(from).flatMap((r) => (r.type === 'entity' ? [r.entity] : []));
}

/** Removes what the adapter registered (or the given entities) and records the outcome in the run log. */
export async function cleanupRegistered(adapter: GatewayAdapter, runLogPath: string, entities?: readonly RegisteredEntity[]): Promise<CleanupOutcome> {
  const outcome: CleanupOutcome = adapter.removeRegistered
    ? await adapter.removeRegistered(entities)
    : { removed: 0, failed: entities?.length ?? 0, failures: [`target ${adapter.target} cannot remove what it registered`] };
  const writer = new RunLogWriter(runLogPath);
  try {
    writer.append({ type: 'cleanup', at: new Date().toISOString(), removed: outcome.removed, failed: outcome.failed, failures: outcome.failures });
  } finally {
    writer.close();
  }
  return outcome;
}
