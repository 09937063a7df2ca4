/**
 * The reference gateway assembled: entity store, deployer, admin API (basic auth) and SOAP data
 * plane, each on its own loopback listener. `main.ts` runs it as a process; tests may run it
 * in-process for API checks (memory tests use the real process).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { harnessVersion } from '../version.js';
import { createAdminApi } from './admin-api.js';
import { createDataPlane } from './data-plane.js';
import { Deployer } from './deployer.js';
import { OperationPools } from './operation-pool.js';
import { profileBehaviours } from './profiles.js';
import { RequestTrail } from './request-trail.js';
import type { GatewayProfile } from './protocol.js';
import { EntityStore, type WsdlParser } from './store.js';

export const GATEWAY_NAME = 'gwscale-reference';

export interface ReferenceGatewayOptions {
  readonly dataDir: string;
  readonly profile: GatewayProfile;
  readonly credentials: { readonly user: string; readonly password: string };
  readonly parseWsdl: WsdlParser;
  /** Heap each pooled client holds in the `operation-pool` profile. */
  readonly poolClientBytes?: number;
  /** Heap each kept request holds in the `request-leak` profile. */
  readonly trailRecordBytes?: number;
  readonly backendTimeoutMs?: number;
  /** Ports to listen on (0 = any free port). */
  readonly adminPort?: number;
  readonly dataPort?: number;
}

export interface RunningGateway {
  readonly adminUrl: string;
  readonly dataUrl: string;
  /** Services loaded from the data dir's deployed configuration at start. */
  readonly loadedServices: number;
  readonly store: EntityStore;
  readonly deployer: Deployer;
  close(): Promise<void>;
}

async function listen(server: Server, port: number): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

/** Starts a gateway: loads the data dir's deployed configuration, then listens on loopback. */
export async function startReferenceGateway(options: ReferenceGatewayOptions): Promise<RunningGateway> {
  const behaviour = profileBehaviours[options.profile];
  const store = new EntityStore(options.parseWsdl);
  const deployer = new Deployer(store, options.dataDir, options.profile, behaviour);
  const loadedServices = await deployer.load();
  const pools = behaviour.operationPool ? new OperationPools(options.poolClientBytes ?? 128 * 1024) : null;
  const fetcher = new Agent({ connections: 16, keepAliveTimeout: 10_000 });
  const trail = behaviour.requestTrail ? new RequestTrail(options.trailRecordBytes ?? 4 * 1024) : null;
  const dataPlane = createDataPlane({ active: () => deployer.active, pools, trail, backendTimeoutMs: options.backendTimeoutMs ?? 30_000 });
  const dataServer = createServer({ keepAliveTimeout: 30_000 }, dataPlane);
  let dataUrl = '';
  const admin = createAdminApi({
    store,
    deployer,
    credentials: options.credentials,
    fetcher,
    pools,
    info: () => ({
      name: GATEWAY_NAME,
      version: `${GATEWAY_NAME} ${harnessVersion}`,
      profile: options.profile,
      profileDescription: behaviour.description,
      pid: process.pid,
      node: process.version,
      dataUrl,
      deployVersion: deployer.active?.meta.deployVersion ?? 0,
    }),
  });
  const adminServer = createServer({ keepAliveTimeout: 30_000, requestTimeout: 0 }, admin);
  dataUrl = await listen(dataServer, options.dataPort ?? 0);
  const adminUrl = await listen(adminServer, options.adminPort ?? 0);
  return {
    adminUrl,
    dataUrl,
    loadedServices,
    store,
    deployer,
    close: async () => {
      await Promise.all([closeServer(adminServer), closeServer(dataServer)]);
      await Promise.all([dataPlane.close(), fetcher.close()]);
    },
  };
}
