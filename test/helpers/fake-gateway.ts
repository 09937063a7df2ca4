/**
 * An in-memory GatewayAdapter for unit tests of the driver's own logic (round plan, crash restarts,
 * resume, interrupts): no process, no network. It is not a gateway under test — the real-process
 * tests (run-e2e, reliability-e2e, faults-*) cover the driver against real gateways. Its memory
 * model is plain arithmetic so a test can state what every row must hold.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { DeployOutcome, GatewayAdapter, GatewayCounts, GatewayExit, GatewayInfo, RegisterOutcome, VerifyOutcome } from '../../src/gateways/adapter.js';
import type { MemoryReading, MemorySource } from '../../src/sampling/source.js';
import type { ServiceSpec } from '../../src/wsdl/model.js';

export interface FakeGatewayOptions {
  /** Live bytes of an empty gateway. */
  readonly baseBytes?: number;
  /** Live bytes each deployed service holds. */
  readonly perServiceBytes?: number;
  /** How long a deploy takes (the measurer samples heap in use meanwhile). */
  readonly deployMs?: number;
  /** Deploy calls (1-based, over the fake's life) during which the "process" dies out of memory. */
  readonly crashOnDeploys?: readonly number[];
  /** Called as deploy call `n` begins (a test aborts the run here). */
  readonly onDeploy?: (n: number) => void;
}

const OOM: GatewayExit = {
  exitCode: null,
  signal: 'SIGABRT',
  stderrTail: ['<--- Last few GCs --->', 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory'],
};

export class FakeGateway implements GatewayAdapter {
  readonly target = 'reference' as const;
  /** Every adapter call, in order: `start`, `register`, `deploy`, `crash`, `restart`, `stop` … */
  readonly calls: string[] = [];
  deploys = 0;
  private readonly registered = new Set<string>();
  private deployed = 0;
  private deploying = false;
  private exit: { promise: Promise<GatewayExit>; resolve: (exit: GatewayExit) => void } = FakeGateway.exitSignal();
  private readonly options: Required<Omit<FakeGatewayOptions, 'onDeploy'>> & Pick<FakeGatewayOptions, 'onDeploy'>;

  constructor(options: FakeGatewayOptions = {}) {
    this.options = { baseBytes: 50 << 20, perServiceBytes: 64 << 10, deployMs: 30, crashOnDeploys: [], ...options };
  }

  private static exitSignal(): { promise: Promise<GatewayExit>; resolve: (exit: GatewayExit) => void } {
    let resolve: (exit: GatewayExit) => void = () => undefined;
    const promise = new Promise<GatewayExit>((r) => (resolve = r));
    return { promise, resolve };
  }

  private info(): GatewayInfo {
    return { version: 'fake-gateway 1', pid: null, dataUrl: 'http://127.0.0.1:9', adminUrl: 'http://127.0.0.1:9' };
  }

  /** A fresh process: nothing registered or deployed (what a real gateway holds after a crash without a store). */
  start(): Promise<GatewayInfo> {
    this.calls.push('start');
    this.exit = FakeGateway.exitSignal();
    this.registered.clear();
    this.deployed = 0;
    return Promise.resolve(this.info());
  }

  stop(): Promise<void> {
    this.calls.push('stop');
    return Promise.resolve();
  }

  /** A planned restart keeps the deployed configuration, as the adapter contract asks. */
  restart(): Promise<GatewayInfo> {
    this.calls.push('restart');
    this.exit = FakeGateway.exitSignal();
    return Promise.resolve(this.info());
  }

  register(service: ServiceSpec): Promise<RegisterOutcome> {
    this.calls.push('register');
    const created = !this.registered.has(service.serviceName);
    this.registered.add(service.serviceName);
    return Promise.resolve({ attachedPolicies: created ? 2 : 0, operations: created ? 1 : 0, created });
  }

  async deploy(): Promise<DeployOutcome> {
    this.deploys++;
    this.calls.push('deploy');
    this.options.onDeploy?.(this.deploys);
    if (this.options.crashOnDeploys.includes(this.deploys)) {
      this.calls.push('crash');
      this.exit.resolve(OOM);
      // A dead process never answers; the driver's watch must notice the exit instead.
      return new Promise<DeployOutcome>(() => undefined);
    }
    this.deploying = true;
    await sleep(this.options.deployMs);
    this.deploying = false;
    this.deployed = this.registered.size;
    return { state: 'deployed', ms: this.options.deployMs };
  }

  listing(): Promise<GatewayCounts> {
    const n = this.registered.size;
    return Promise.resolve({ serviceGroups: n, services: n, operations: null, circuits: null, attachedPolicies: null });
  }

  /** Live bytes: base plus what the deployed services hold. */
  liveBytes(): number {
    return this.options.baseBytes + this.deployed * this.options.perServiceBytes;
  }

  liveMemory(): Promise<MemoryReading> {
    return Promise.resolve({ bytes: this.liveBytes(), source: 'fake-heap-after-gc', afterGc: true });
  }

  /** Heap in use: while a deploy runs, the new configuration is built beside the old one. */
  heapInUseSource(): MemorySource {
    return {
      name: 'fake-heap-in-use',
      measures: "the fake gateway's live bytes, plus the configuration being built during a deploy",
      read: () =>
        Promise.resolve({
          bytes: this.liveBytes() + (this.deploying ? this.registered.size * this.options.perServiceBytes : 0),
          source: 'fake-heap-in-use',
          afterGc: false,
        }),
    };
  }

  verify(services: readonly ServiceSpec[]): Promise<readonly VerifyOutcome[]> {
    return Promise.resolve(services.map((s) => ({ serviceName: s.serviceName, ok: this.registered.has(s.serviceName), status: 200 })));
  }

  requestUrl(): string {
    return 'http://127.0.0.1:9/';
  }

  pid(): number | null {
    return null;
  }

  exited(): Promise<GatewayExit> {
    return this.exit.promise;
  }
}
