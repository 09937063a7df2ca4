/** Checks the tests of targets the harness starts as a server process share (Caddy, Tomcat, HAProxy, Varnish, Node-RED), each for every target it names. */
import { expect } from 'vitest';
import type { GatewayAdapter } from '../../src/gateways/adapter.js';
import type { DeployLoadSummary } from '../../src/run-log/records.js';
import type { ServiceSpec } from '../../src/wsdl/model.js';
import { isAlive } from './process.js';
import { records } from './run-log.js';

/**
 * A restart ends the old process by PID, starts a new one, and serves what was deployed: the
 * gateway lists every service and the last ten answer through it.
 * @param deployed every service deployed before the restart, in registration order.
 */
export async function expectRestartServesDeployed(adapter: GatewayAdapter, deployed: readonly ServiceSpec[]): Promise<void> {
  const before = adapter.pid();
  expect(before).not.toBeNull();
  const info = await adapter.restart();
  expect(info.pid).not.toBe(before);
  expect(isAlive(before ?? -1)).toBe(false);
  expect((await adapter.listing()).services).toBe(deployed.length);
  const outcomes = await adapter.verify(deployed.slice(-10));
  expect(outcomes.filter((o) => !o.ok)).toEqual([]);
}

/** `stop` ends the process by PID, a second `stop` is safe, and the exit is known. */
export async function expectStopsByPid(adapter: GatewayAdapter): Promise<void> {
  const pid = adapter.pid();
  expect(pid).not.toBeNull();
  await adapter.stop();
  await adapter.stop();
  expect(isAlive(pid ?? -1)).toBe(false);
  expect(adapter.pid()).toBeNull();
  const exit = await adapter.exited();
  expect(exit.signal === 'SIGTERM' || exit.exitCode !== null).toBe(true);
}

export interface RoundExpectations {
  /** What the deploy's detail must match once `to` services are registered. */
  readonly detail: (to: number) => RegExp;
  /** The policies the gateway's listing counts at `to` services (null: it cannot list them). */
  readonly attachedPolicies: (to: number) => number | null;
}

/**
 * Registers `services` in rounds of `perRound`, deploying after each: every service is new (two
 * policies, four operations), the deploy succeeds with the detail expected, and the gateway lists
 * exactly the services registered so far. Registering the first service again creates nothing.
 * @param afterRound further checks after each round, given the services registered so far.
 */
export async function expectRegistersInRounds(
  adapter: GatewayAdapter,
  services: readonly ServiceSpec[],
  perRound: number,
  expected: RoundExpectations,
  afterRound: (to: number) => Promise<void> = () => Promise.resolve(),
): Promise<void> {
  for (let from = 0; from < services.length; from += perRound) {
    const to = Math.min(from + perRound, services.length);
    for (const spec of services.slice(from, to)) {
      expect(await adapter.register(spec)).toMatchObject({ created: true, attachedPolicies: 2, operations: 4 });
    }
    const deploy = await adapter.deploy();
    expect(deploy).toMatchObject({ state: 'deployed', detail: expect.stringMatching(expected.detail(to)) });
    console.log(`${adapter.target}: round to ${to} services deployed in ${deploy.ms} ms (${deploy.state === 'deployed' ? deploy.detail : ''})`);
    expect(await adapter.listing()).toMatchObject({ services: to, attachedPolicies: expected.attachedPolicies(to) });
    await afterRound(to);
  }
  expect(await adapter.register(services[0]!)).toMatchObject({ created: false });
}

/** `verify` sends a request through the gateway to every service, and each answers with both policies applied. */
export async function expectEveryServiceAnswers(adapter: GatewayAdapter, services: readonly ServiceSpec[]): Promise<void> {
  const outcomes = await adapter.verify(services);
  expect(outcomes.filter((o) => !o.ok)).toEqual([]);
  expect(outcomes).toHaveLength(services.length);
}

/**
 * The live reading of a target without a garbage collector (HAProxy, Varnish): PSS summed over its
 * process tree, not after a GC, with `extra` as expected and RSS beside it (larger: RSS counts
 * shared pages once per process).
 * @param services how many services are deployed, for the log line.
 */
export async function expectPssTreeReading(adapter: GatewayAdapter, extra: Readonly<Record<string, number>>, services: number): Promise<void> {
  const reading = await adapter.liveMemory();
  expect(reading).toMatchObject({ source: 'pss-tree', afterGc: false, extra });
  expect(reading.bytes).toBeGreaterThan(1024 * 1024);
  expect(reading.extra?.rssBytes).toBeGreaterThan(reading.bytes);
  console.log(
    `${adapter.target}: PSS ${(reading.bytes / 2 ** 20).toFixed(1)} MiB, RSS ${((reading.extra?.rssBytes ?? 0) / 2 ** 20).toFixed(1)} MiB at ${services} services`,
  );
}

/**
 * What the run log of `gwscale run --verify all --deploy-under-load N` must hold: each round's
 * verify found no failure, every listing matched, the first deploy had nothing served to call, and
 * every later one sent requests through the gateway, none failed.
 * @param verified the services checked by each round's verify, in order.
 * @param underLoad what every later deploy's traffic summary holds besides `failed: 0`.
 * @returns the later deploys' traffic summaries, for the target's own checks.
 */
export function expectRunLogVerifiedUnderLoad(outDir: string, verified: readonly number[], underLoad: Partial<DeployLoadSummary>): DeployLoadSummary[] {
  const log = records(outDir);
  expect(log.filter((rec) => rec.type === 'verify').map((rec) => [rec.checked, rec.failed])).toEqual(verified.map((checked) => [checked, 0]));
  expect(log.filter((rec) => rec.type === 'listing').every((rec) => rec.matches)).toBe(true);
  const deploys = log.filter((rec) => rec.type === 'deploy');
  expect(deploys[0]?.underLoad).toBeUndefined();
  return deploys.slice(1).map((deploy) => {
    expect(deploy.underLoad).toMatchObject({ failed: 0, ...underLoad });
    expect(deploy.underLoad?.sent).toBeGreaterThan(0);
    return deploy.underLoad!;
  });
}
