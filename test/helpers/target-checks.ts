/** Checks every target the harness starts as a server process must pass (Caddy, Tomcat, HAProxy, Varnish, Node-RED). */
import { expect } from 'vitest';
import type { GatewayAdapter } from '../../src/gateways/adapter.js';
import type { ServiceSpec } from '../../src/wsdl/model.js';
import { isAlive } from './process.js';

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
