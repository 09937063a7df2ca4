/**
 * The reference gateway process:
 *   node --expose-gc --max-old-space-size=MB dist/reference-gateway/main.js --data-dir DIR [--profile P]
 * Admin credentials come only from the environment (GWSCALE_GATEWAY_USER, GWSCALE_GATEWAY_PASSWORD).
 * Once both listeners are up it prints one JSON line on stdout: {"event":"listening",…}.
 */
import { mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createServiceGenerator, parseWsdlWithTree } from '../wsdl/index.js';
import type { WsdlParser } from './store.js';
import { warmUp } from './warm-up.js';
import { GATEWAY_NAME, startReferenceGateway } from './gateway.js';
import { gatewayProfiles, isGatewayProfile, PASSWORD_ENV, USER_ENV } from './protocol.js';
import { harnessVersion } from '../version.js';
import { exitWithParent } from '../process/parent-watch.js';

function fail(message: string): never {
  process.stderr.write(`${GATEWAY_NAME}: ${message}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        'data-dir': { type: 'string' },
        profile: { type: 'string', default: 'healthy' },
        'admin-port': { type: 'string', default: '0' },
        'data-port': { type: 'string', default: '0' },
        'pool-client-kb': { type: 'string', default: '128' },
        'backend-timeout-ms': { type: 'string', default: '30000' },
      },
      strict: true,
    }));
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  const dataDir = values['data-dir'];
  if (dataDir === undefined || dataDir === '') fail('--data-dir DIR is required (the deployed configuration is kept there)');
  const profile = values['profile'] ?? 'healthy';
  if (!isGatewayProfile(profile)) fail(`--profile "${profile}" is not one of ${gatewayProfiles.join(', ')}`);
  const int = (name: string, max: number): number => {
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n < 0 || n > max) fail(`--${name} must be a whole number from 0 to ${max}`);
    return n;
  };
  const user = process.env[USER_ENV];
  const password = process.env[PASSWORD_ENV];
  if (!user || !password) fail(`set ${USER_ENV} and ${PASSWORD_ENV} in the environment (admin credentials are never taken from arguments)`);
  // Nothing later (no child, no diagnostic dump) should see the secret.
  delete process.env[PASSWORD_ENV];
  mkdirSync(dataDir, { recursive: true });

  const parseWsdl: WsdlParser = (input, source) => {
    const parsed = parseWsdlWithTree(input, source);
    return { document: parsed.document, text: parsed.text };
  };
  // Samples from the built-in templates (both WSDL versions), on an address nothing listens on.
  const sample = createServiceGenerator({ version: 'mixed', seed: 0, endpointBase: 'http://127.0.0.1:9' });
  await warmUp(
    parseWsdl,
    profile,
    Array.from({ length: 20 }, (_, i) => sample(i)),
  );
  const gateway = await startReferenceGateway({
    dataDir,
    profile,
    credentials: { user, password },
    parseWsdl,
    adminPort: int('admin-port', 65535),
    dataPort: int('data-port', 65535),
    poolClientBytes: int('pool-client-kb', 1024 * 1024) * 1024,
    backendTimeoutMs: int('backend-timeout-ms', 3_600_000),
  });
  process.stdout.write(
    `${JSON.stringify({
      event: 'listening',
      name: GATEWAY_NAME,
      version: `${GATEWAY_NAME} ${harnessVersion}`,
      pid: process.pid,
      profile,
      adminUrl: gateway.adminUrl,
      dataUrl: gateway.dataUrl,
      loadedServices: gateway.loadedServices,
      deployVersion: gateway.deployer.active?.meta.deployVersion ?? 0,
    })}\n`,
  );
  const shutdown = (): void => {
    gateway.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  if (process.env.GWSCALE_EXIT_WITH_PARENT === '1') exitWithParent(shutdown);
}

main().catch((error: unknown) => fail(`could not start: ${error instanceof Error ? error.message.replace(/\s*\n\s*/g, ' ') : String(error)}`));
