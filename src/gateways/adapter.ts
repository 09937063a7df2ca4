/**
 * The one interface every gateway target implements. The driver only talks to this: register a
 * service (one per service group, with request and response policies), deploy the whole
 * configuration, confirm counts through the gateway's own API, read memory, restart.
 */
import type { ServiceSpec } from '../wsdl/model.js';
import type { MemoryReading, MemorySource } from '../sampling/source.js';
import type { GatewayCounts, GatewayExit, RegisteredEntity, VerifyOutcome } from '../run-log/records.js';

// What a gateway reports is recorded as is in the run log, so the shapes live with its records.
export type { GatewayCounts, GatewayExit, RegisteredEntity, VerifyOutcome };
export type { MemoryReading, MemorySource, ServiceSpec };
export type { TargetName } from './registry.js';

/** What a target is told when it is created. Frozen; secrets travel only in `credentials`. */
export interface AdapterContext {
  /** Folder the target may use for its files (base folder, logs); inside the run folder. */
  readonly workDir: string;
  /** Behaviour profile (reference gateway only). */
  readonly profile: string;
  /** Gateway heap limit in MiB, where the target has one (`--gateway-heap-mb`). */
  readonly heapMb: number | null;
  /** Base URL on loopback where the harness serves WSDL files by `ServiceSpec.fileName`. */
  readonly wsdlBaseUrl: string;
  /** URL of the harness's SOAP backend that gateway services forward to. */
  readonly backendUrl: string;
  /** Timeout for one deployment-API call. */
  readonly callTimeoutMs: number;
  /** Admin credentials; generated per run for targets the harness starts. Never logged. */
  readonly credentials: { readonly user: string; readonly password: string };
  /** Diagnostic lines (go to stderr with --verbose); must never receive secrets. */
  readonly log: (line: string) => void;
  /** Settings only some targets read (`--redeploy-mode` …); absent fields take each target's default. */
  readonly targetOptions?: TargetOptions;
  /**
   * Set when gwscale attaches to a gateway it did not start (`--attach --admin-url`): the target
   * must not start or stop it, restarts only with a restart command it was given, and reads memory
   * only from the sources it was given.
   */
  readonly attach?: AttachOptions;
}

/** How to reach a gateway that is already running. */
export interface AttachOptions {
  readonly adminUrl: string;
  /** `--allow-remote`: the admin URL may be off loopback. */
  readonly allowRemote: boolean;
  /**
   * Services an earlier session of this run registered there (`--resume`): they are the run's,
   * not the gateway's own, when the listing is counted.
   */
  readonly registeredBefore?: number;
}

/** What removing the registered services did (`--cleanup`, `gwscale cleanup RUN_DIR`). */
export interface CleanupOutcome {
  readonly removed: number;
  readonly failed: number;
  /** The first few failures, one line each. */
  readonly failures: readonly string[];
}

/** How Tomcat redeploys a context that is already deployed (`--redeploy-mode`). */
export type RedeployMode = 'full' | 'reload';

/** Target-specific settings of a run; each target reads the fields that concern it and ignores the rest. */
export interface TargetOptions {
  /** Tomcat: `full` uploads every WAR again (undeploy + deploy), `reload` restarts existing contexts. */
  readonly redeployMode?: RedeployMode;
  /** HAProxy: `hard-stop-after` in ms (old workers are killed that long after a reload); absent: wait for their connections. */
  readonly hardStopAfterMs?: number;
  /** Varnish: `vcl.discard` earlier VCLs after each deploy (default true); false keeps them, as a forgetful operator does. */
  readonly discardOld?: boolean;
  /** Node-RED: the version to install (once, into gwscale's cache) and run, e.g. `3.1.15` or `4.1.x` (the newest 4.1). */
  readonly gatewayVersion?: string;
}

export interface GatewayInfo {
  /** e.g. `gwscale-reference 0.1.0`, `caddy v2.6.2`, `Apache Tomcat/10.1.x`. */
  readonly version: string;
  /** Process id of the gateway when the harness started it (for RSS/CPU sampling and stopping). */
  readonly pid: number | null;
  /** Base URL of the data plane (where SOAP requests go). */
  readonly dataUrl: string;
  /** Base URL of the deployment / admin API. */
  readonly adminUrl: string;
}

export type DeployOutcome =
  { readonly state: 'deployed'; readonly ms: number; readonly detail?: string } | { readonly state: 'failed'; readonly ms: number; readonly reason: string };

export interface RegisterOutcome {
  /** Policies attached for this service (request + response, over all its circuits). */
  readonly attachedPolicies: number;
  readonly operations: number;
  /** False when the service was already registered (a retried call): nothing was added. */
  readonly created: boolean;
  /** What was created on the gateway, when the target can remove it again: the run log records it. */
  readonly entity?: RegisteredEntity;
}

/** How the gateway process ended, when the harness started it. */

/**
 * The contract every target implements (docs/targets.md says what each method must guarantee and
 * which shared checks a new target passes). A plugin exports a factory of this type.
 */
export interface GatewayAdapter {
  /** The target's name in reports (`reference`, `recipe:kong`, a plugin's own). */
  readonly target: string;
  /** Start the gateway (spawn it, on loopback) and wait until its admin API answers. */
  start(): Promise<GatewayInfo>;
  /** Stop the gateway by PID; safe to call twice and after a crash. */
  stop(): Promise<void>;
  /** Stop and start again; the deployed configuration must be loaded again on start. */
  restart(): Promise<GatewayInfo>;
  /** Register one service: its group, WSDL import and policies. Idempotent. */
  register(service: ServiceSpec): Promise<RegisterOutcome>;
  /** Deploy the whole configuration as it now stands. */
  deploy(): Promise<DeployOutcome>;
  /** Counts the gateway itself reports. */
  listing(): Promise<GatewayCounts>;
  /** Live-set reading: force GC where the target can, settle, read. */
  liveMemory(): Promise<MemoryReading>;
  /**
   * Heap in use as it stands (no forced GC; garbage included), cheap enough to sample every few ms
   * while a deploy runs: the same kind of memory as `liveMemory`, so the deploy peak can be applied
   * to it. Absent (or null) where the target cannot read it; the driver then samples RSS.
   */
  heapInUseSource?(): MemorySource | null;
  /**
   * The PSS of the gateway's process tree (master and workers; helpers that are not the gateway,
   * such as a compiler, left out), as `liveMemory` reads it but without settling first: sampled
   * while a deploy runs by targets measured as a process tree, whose new and old workers are memory
   * the deploy needs. Absent where the gateway is one process; the driver then samples its RSS.
   */
  processTreeSource?(): MemorySource | null;
  /** Send one request through the gateway to each given service. */
  verify(services: readonly ServiceSpec[]): Promise<readonly VerifyOutcome[]>;
  /**
   * The URL, through the gateway's data plane, that stands for one of a registered service's WSDL
   * endpoint addresses (the traffic phase sends every operation's request there).
   */
  requestUrl(service: ServiceSpec, endpointAddress: string): string;
  /** PID of the running gateway process, or null when not started by the harness. */
  pid(): number | null;
  /** Resolves when the gateway process exits (never for targets the harness did not start). */
  exited(): Promise<GatewayExit>;
  /**
   * Removes what `register` created (`--cleanup`): every entity this adapter registered, or the
   * given ones (`gwscale cleanup RUN_DIR`, read back from the run log). Absent where a target cannot.
   */
  removeRegistered?(entities?: readonly RegisteredEntity[]): Promise<CleanupOutcome>;
}

/** What a target module exports: creates the adapter; nothing may start until `start()`. */
export type AdapterFactory = (ctx: AdapterContext) => GatewayAdapter;
