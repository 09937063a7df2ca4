/**
 * The SOAP backend as its own process (so its CPU is not counted as the harness's):
 *   node dist/backend/main.js [--latency-ms N] [--wsdl-base-url URL] [--port N]
 * Prints one JSON line on stdout once listening: {"event":"listening","url":…}.
 */
import { parseArgs } from 'node:util';
import { startBackend } from './soap-backend.js';
import { exitWithParent } from '../process/parent-watch.js';

function fail(message: string): never {
  process.stderr.write(`gwscale-backend: ${message}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      options: { 'latency-ms': { type: 'string', default: '0' }, 'wsdl-base-url': { type: 'string' }, port: { type: 'string', default: '0' } },
      strict: true,
    }));
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  const latencyMs = Number(values['latency-ms']);
  if (!Number.isInteger(latencyMs) || latencyMs < 0 || latencyMs > 600_000) fail('--latency-ms must be a whole number from 0 to 600000');
  const port = Number(values['port']);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail('--port must be a whole number from 0 to 65535');
  const wsdlBaseUrl = values['wsdl-base-url'];
  const backend = await startBackend({ latencyMs, port, ...(wsdlBaseUrl === undefined ? {} : { wsdlBaseUrl }) });
  process.stdout.write(`${JSON.stringify({ event: 'listening', url: backend.url, pid: process.pid, latencyMs })}\n`);
  const shutdown = (): void => {
    backend.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  if (process.env.GWSCALE_EXIT_WITH_PARENT === '1') exitWithParent(shutdown);
}

main().catch((error: unknown) => fail(`could not start: ${error instanceof Error ? error.message : String(error)}`));
