/**
 * The lifecycle half of a target the harness starts as one server process (Caddy, Tomcat):
 * start, stop, restart (stop, then start again with the deployed configuration), its PID while it
 * runs, and its exit.
 */
import type { GatewayAdapter, GatewayExit, GatewayInfo } from './adapter.js';
import type { ServerProcess } from '../process/server-process.js';

const never = new Promise<GatewayExit>(() => undefined);

/**
 * @param launch starts the server with the configuration last deployed, and waits until it answers.
 * @param stop stops it by PID; safe twice and after a crash.
 * @param server the process now (or last) running, or null before the first start.
 */
export function serverLifecycle(
  launch: () => Promise<GatewayInfo>,
  stop: () => Promise<void>,
  server: () => ServerProcess | null,
): Pick<GatewayAdapter, 'start' | 'stop' | 'restart' | 'pid' | 'exited'> {
  return {
    start: launch,
    stop,
    async restart(): Promise<GatewayInfo> {
      await stop();
      return launch();
    },
    pid: () => {
      const current = server();
      return current !== null && current.isRunning() ? current.pid : null;
    },
    exited: () => server()?.exited ?? never,
  };
}
