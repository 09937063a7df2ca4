/**
 * One harness run in a process of its own, so its CPU and memory are the harness's alone: the real
 * driver (`runScale`), WSDL server, service catalog and reference adapter, against the reference
 * gateway or the null gateway (bench/null-gateway.ts). Prints one JSON line (`WorkerResult`).
 *
 *   node --expose-gc dist/.bench/bench/harness-worker.js '<WorkerInput as JSON>'   (see benchScript)
 */
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { exitWithParent } from '../src/process/parent-watch.js';
import { createReferenceAdapter } from '../src/gateways/reference/adapter.js';
import type { AdapterContext } from '../src/gateways/adapter.js';
import { runConfigOf, type RunConfig } from '../src/driver/config.js';
import type { RunEvent } from '../src/driver/events.js';
import { createServiceCatalog } from '../src/driver/generated-catalog.js';
import { readRunLog } from '../src/driver/run-log.js';
import { runScale } from '../src/driver/scale-run.js';
import type { ServiceCatalog } from '../src/driver/service-catalog.js';
import { startWsdlServer } from '../src/driver/wsdl-server.js';
import { CLOCK_TICKS_PER_SECOND, readProcStat } from '../src/sampling/proc-stat.js';
import { benchScript } from './lib/paths.js';

export interface WorkerInput {
  readonly gateway: 'null' | 'reference';
  readonly services: number;
  readonly batch: number;
  readonly concurrency: number;
  /** Service counts after whose round the harness's own memory is read after GC. */
  readonly memoryAt: readonly number[];
  readonly outDir: string;
}

/** What one round's registration phase cost (round start to deploy start). */
export interface RegistrationCost {
  /** Services registered in the round. */
  readonly services: number;
  readonly harnessCpuSeconds: number;
  readonly wallSeconds: number;
  /** The gateway process's CPU over the same phase (from /proc; 10 ms resolution). */
  readonly gatewayCpuSeconds: number;
}

/** The harness's memory after a forced GC, at a service count. */
export interface HarnessMemory {
  readonly services: number;
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  readonly heapTotalBytes: number;
  /** Memory of C++ objects bound to JS ones, ArrayBuffers included (Node's `external`). */
  readonly externalBytes: number;
}

export interface WorkerResult {
  readonly state: string;
  readonly services: number;
  /** The registration phase of each round, in order. */
  readonly registration: readonly RegistrationCost[];
  /** The run-end record: harness CPU over the whole run, and the gateway's. */
  readonly harnessCpuSeconds: number;
  readonly gatewayCpuSeconds: number;
  readonly wallSeconds: number;
  readonly memory: readonly HarnessMemory[];
  readonly runLogBytes: number;
}

async function main(input: WorkerInput): Promise<WorkerResult> {
  rmSync(input.outDir, { recursive: true, force: true });
  mkdirSync(input.outDir, { recursive: true });
  const gc = globalThis.gc;
  if (gc === undefined) throw new Error('run the worker with --expose-gc');
  // The CLI's defaults, but for what the bench controls: one reading after each round, nothing sent through the gateway.
  const config: RunConfig = runConfigOf(
    { services: input.services, batch: input.batch, concurrency: input.concurrency, readings: 1, readingIntervalMs: 0, verify: 'none' },
    input.outDir,
  );
  let catalog: ServiceCatalog | null = null;
  const wsdlServer = await startWsdlServer(
    (i) => (catalog !== null && i < catalog.size ? catalog.serviceAt(i) : undefined),
    (name) => catalog?.indexOf(name),
  );
  try {
    // No SOAP backend: with --verify none nothing is sent through the gateway.
    catalog = createServiceCatalog(config, 'http://127.0.0.1:9');
    const ctx: AdapterContext = Object.freeze({
      workDir: join(input.outDir, 'gateway'),
      profile: 'healthy',
      heapMb: null,
      wsdlBaseUrl: wsdlServer.url,
      backendUrl: 'http://127.0.0.1:9',
      callTimeoutMs: 120_000,
      credentials: Object.freeze({ user: 'bench', password: `bench-${process.pid}-${Date.now()}` }),
      log: () => undefined,
    });
    mkdirSync(ctx.workDir, { recursive: true });
    const nullGateway = benchScript('null-gateway');
    const entryPoint = { script: nullGateway.at(-1) ?? '', nodeArgs: nullGateway.slice(0, -1) };
    const adapter = createReferenceAdapter(ctx, input.gateway === 'null' ? { entryPoint } : {});
    const registration: RegistrationCost[] = [];
    let roundCpu: NodeJS.CpuUsage | null = null;
    let roundStart = 0;
    let roundServices = 0;
    let gatewayTicksAtStart = 0;
    const gatewayTicks = (): number => {
      const pid = adapter.pid();
      return pid === null ? 0 : readProcStat(pid).cpuTicks;
    };
    const memory: HarnessMemory[] = [];
    const listener = (event: RunEvent): void => {
      if (event.type === 'round-start') {
        gatewayTicksAtStart = gatewayTicks();
        roundServices = event.to - event.from;
        roundCpu = process.cpuUsage();
        roundStart = performance.now();
      } else if (event.type === 'deploy-start' && roundCpu !== null) {
        const used = process.cpuUsage(roundCpu);
        const wallSeconds = (performance.now() - roundStart) / 1000;
        const gatewayCpuSeconds = (gatewayTicks() - gatewayTicksAtStart) / CLOCK_TICKS_PER_SECOND;
        registration.push({ services: roundServices, harnessCpuSeconds: (used.user + used.system) / 1e6, wallSeconds, gatewayCpuSeconds });
        roundCpu = null;
      } else if (event.type === 'measured' && event.row.event === 'round' && input.memoryAt.includes(event.row.services)) {
        gc();
        gc();
        const m = process.memoryUsage();
        memory.push({ services: event.row.services, rssBytes: m.rss, heapUsedBytes: m.heapUsed, heapTotalBytes: m.heapTotal, externalBytes: m.external });
      }
    };
    const result = await runScale(config, { catalog, adapter, listener });
    const records = readRunLog(result.runLogPath);
    const end = records.at(-1);
    if (end?.type !== 'run-end') throw new Error(`${result.runLogPath} has no run-end record`);
    return {
      state: result.state + (result.error ? `: ${result.error.message}` : ''),
      services: input.services,
      registration,
      harnessCpuSeconds: end.overhead.harnessCpuSeconds,
      gatewayCpuSeconds: end.overhead.gatewayCpuSeconds,
      wallSeconds: end.wallSeconds,
      memory,
      runLogBytes: statSync(result.runLogPath).size,
    };
  } finally {
    await wsdlServer.close();
  }
}

// The bench died: go too (the gateway we started follows when our end of its stdin closes).
exitWithParent(() => process.exit(1));
const input = JSON.parse(process.argv[2] ?? '{}') as WorkerInput;
main(input).then(
  // Exit explicitly: the stdin watch would keep the process alive.
  (result) => process.stdout.write(JSON.stringify(result) + '\n', () => process.exit(0)),
  (error: unknown) => {
    process.stderr.write(`harness worker: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
