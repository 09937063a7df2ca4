/**
 * Registering services into the gateway and checking they took: registration calls in flight at
 * once (`--concurrency`), the gateway's own listing compared with what was registered, and
 * `--verify`'s requests through the gateway. Keeps the counts the checks compare against.
 */
import pLimit from 'p-limit';
import type { GatewayAdapter, GatewayCounts, VerifyOutcome } from '../gateways/adapter.js';
import { messageOf } from '../errors.js';
import type { ServiceSpec } from '../wsdl/model.js';
import type { RunConfig } from './config.js';
import type { RunListener } from './events.js';
import type { GatewayWatch } from './gateway-watch.js';
import type { RunLogWriter } from './run-log.js';
import type { ResumePoint } from './resume.js';
import type { ServiceCatalog } from './service-catalog.js';

/** Services verified per adapter call: bounds the WSDL texts held at once. */
const VERIFY_SLICE = 1000;

export class Registrar {
  private registeredSoFar: number;
  private operationsTotal: number;
  private policiesTotal: number;

  constructor(
    private readonly adapter: GatewayAdapter,
    private readonly catalog: ServiceCatalog,
    private readonly watch: GatewayWatch,
    private readonly log: RunLogWriter,
    private readonly emit: RunListener,
    private readonly settings: Pick<RunConfig, 'concurrency' | 'verify'>,
    resume: ResumePoint | undefined,
  ) {
    this.registeredSoFar = resume?.services ?? 0;
    this.operationsTotal = resume?.operations ?? 0;
    this.policiesTotal = resume?.attachedPolicies ?? 0;
  }

  /** Services registered so far (the highest `to` of any range). */
  get registered(): number {
    return this.registeredSoFar;
  }

  /** Compares the gateway's own listing with what was registered, and logs both (a `listing` record). */
  async confirmCounts(): Promise<void> {
    const actual = await this.watch.guarded('listing', () => this.adapter.listing());
    const n = this.registered;
    const expected: GatewayCounts = {
      serviceGroups: actual.serviceGroups === null ? null : n,
      services: n,
      operations: actual.operations === null ? null : this.operationsTotal,
      circuits: actual.circuits,
      attachedPolicies: actual.attachedPolicies === null ? null : this.policiesTotal,
    };
    const matches =
      actual.services === expected.services &&
      (expected.serviceGroups === null || actual.serviceGroups === expected.serviceGroups) &&
      (expected.operations === null || actual.operations === expected.operations) &&
      (expected.attachedPolicies === null || actual.attachedPolicies === expected.attachedPolicies);
    this.log.append({ type: 'listing', services: n, expected, actual, matches });
    if (!matches)
      this.emit({
        type: 'warning',
        message: `the gateway's listing does not match what was registered: expected ${JSON.stringify(expected)}, gateway says ${JSON.stringify(actual)}`,
      });
  }

  /** `--verify`: one SOAP request through the gateway to every service (all) or the round's (new). */
  async verify(from: number, to: number): Promise<void> {
    if (this.settings.verify === 'none') return;
    const failures: VerifyOutcome[] = [];
    let checked = 0;
    let failed = 0;
    // In slices, so `--verify all` never holds every service's WSDL text at once.
    for (let start = this.settings.verify === 'all' ? 0 : from; start < to; start += VERIFY_SLICE) {
      const specs: ServiceSpec[] = [];
      for (let i = start; i < Math.min(start + VERIFY_SLICE, to); i++) specs.push(this.catalog.serviceAt(i));
      const outcomes = await this.watch.guarded('verify', () => this.adapter.verify(specs));
      checked += outcomes.length;
      for (const o of outcomes) {
        if (o.ok) continue;
        failed++;
        if (failures.length < 20) failures.push(o);
      }
    }
    this.log.append({ type: 'verify', services: this.registered, checked, failed, failures });
    if (failed > 0) {
      const first = failures[0];
      this.emit({
        type: 'warning',
        message: `${failed} of ${checked} services did not answer through the gateway (first: ${first?.serviceName}: ${first?.error ?? String(first?.status)})`,
      });
    }
  }

  /**
   * Registers services [from, to). With `count: false` (re-registering after a crash or resume),
   * the totals are not counted again.
   */
  async registerRange(round: number, from: number, to: number, count = true): Promise<number> {
    const t0 = Date.now();
    const limit = pLimit(this.settings.concurrency);
    const failures: string[] = [];
    let failed = 0;
    let operations = 0;
    let attachedPolicies = 0;
    let done = 0;
    const tasks: Promise<void>[] = [];
    for (let i = from; i < to; i++) {
      tasks.push(
        limit(async () => {
          if (this.watch.aborted) return;
          const spec = this.catalog.serviceAt(i);
          try {
            const outcome = await this.adapter.register(spec);
            operations += outcome.operations;
            attachedPolicies += outcome.attachedPolicies;
          } catch (error) {
            failed++;
            if (failures.length < 10) failures.push(`${spec.serviceName}: ${messageOf(error)}`);
          }
          done++;
          this.emit({ type: 'registered', services: from + done, roundTarget: to });
        }),
      );
    }
    await this.watch.guarded('register', () => Promise.all(tasks));
    const ms = Date.now() - t0;
    if (count) {
      this.operationsTotal += operations;
      this.policiesTotal += attachedPolicies;
    }
    this.registeredSoFar = Math.max(this.registeredSoFar, to);
    this.log.append({
      type: 'register',
      round,
      from,
      to,
      ms,
      operations: count ? operations : 0,
      attachedPolicies: count ? attachedPolicies : 0,
      failed,
      failures,
    });
    if (failed > 0) this.emit({ type: 'warning', message: `${failed} of ${to - from} registrations failed (first: ${failures[0]})` });
    return ms;
  }
}
