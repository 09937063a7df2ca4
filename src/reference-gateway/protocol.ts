/**
 * The reference gateway's contract with the harness: what crosses the process boundary (the
 * environment it is started with, its profile names, the names of its circuits and built-in
 * policies, the headers its policies write, and the shapes of its deployment-API answers). The
 * gateway's internals and the harness's reference adapter both import this file; the adapter
 * imports nothing else of the gateway (see docs/architecture.md).
 */

/** Environment variables that carry the admin credentials to the gateway process (never argv). */
export const USER_ENV = 'GWSCALE_GATEWAY_USER';
export const PASSWORD_ENV = 'GWSCALE_GATEWAY_PASSWORD';

/**
 * Behaviour profiles of the reference gateway, chosen at start (`--profile`). What each one does
 * is in profiles.ts.
 */
export const gatewayProfiles = ['healthy', 'retain-configs', 'operation-pool', 'request-leak'] as const;
export type GatewayProfile = (typeof gatewayProfiles)[number];

export const isGatewayProfile = (name: string): name is GatewayProfile => (gatewayProfiles as readonly string[]).includes(name);

/** The policy circuits generated for every operation. */
export const REQUEST_CIRCUIT = 'Request From Front End';
export const RESPONSE_CIRCUIT = 'Response From Back End';
export type CircuitName = typeof REQUEST_CIRCUIT | typeof RESPONSE_CIRCUIT;
export const circuitNames: readonly CircuitName[] = [REQUEST_CIRCUIT, RESPONSE_CIRCUIT];

/** Header each request policy appends its name to (the backend echoes it back). */
export const REQUEST_POLICY_HEADER = 'x-gw-request-policy';
/** Header each response policy appends its name to. */
export const RESPONSE_POLICY_HEADER = 'x-gw-response-policy';

/** Names of the built-in library policies. */
export const REQUEST_POLICY_ADD_HEADER = 'Add Header X-Gw-Request';
export const REQUEST_POLICY_VALIDATE = 'Validate SOAP Envelope';
export const RESPONSE_POLICY_ADD_HEADER = 'Add Header X-Gw-Response';
export const RESPONSE_POLICY_STRIP = 'Strip Internal Headers';
export const RESPONSE_POLICY_SOAP_HEADER = 'Add SOAP Header Element';

/** Counts of what a configuration holds; the listing endpoint answers these. */
export interface ConfigCounts {
  readonly serviceGroups: number;
  readonly services: number;
  readonly operations: number;
  readonly circuits: number;
  readonly attachedPolicies: number;
}

/** What `POST /api/deploy` answers. */
export type DeployResult =
  | { readonly status: 'deployed'; readonly deployVersion: number; readonly ms: number; readonly configBytes: number; readonly services: number }
  | { readonly status: 'failed'; readonly ms: number; readonly reason: string };

/** What `GET /api/memory` and `POST /api/gc` answer. */
export interface GatewayMemory {
  readonly heapUsedBytes: number;
  readonly heapTotalBytes: number;
  readonly rssBytes: number;
  readonly externalBytes: number;
  readonly arrayBuffersBytes: number;
  /** The V8 heap limit (`--max-old-space-size` plus the young generation). */
  readonly heapLimitBytes: number;
  readonly afterGc: boolean;
}
