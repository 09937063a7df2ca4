/**
 * Bench: traffic headroom, measured the way registration capacity is. The client must be several
 * times faster than the server it measures, or the load test measures the client:
 *
 * - the generator's capacity: `gwscale traffic` (burst, closed-loop socket clients) against a
 *   target that answers at once (bench/traffic-target.ts), as requests per second of the
 *   generator's own CPU over the measured window;
 * - the gateway's rate: the same burst through the reference gateway to the SOAP backend behind
 *   it, as requests per second, with each process's CPU per request from the OS.
 *
 * Target: capacity ≥ 10 × the reference gateway's rate. Every party runs in its own process, and
 * each measured burst follows a 2 s warm-up burst.
 *
 *   npx tsx bench/headroom.ts   (BENCH_HEADROOM_SECONDS=6, BENCH_HEADROOM_CONNECTIONS=16)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnBackend, type SpawnedBackend } from '../src/backend/spawn.js';
import { createServiceCatalog } from '../src/driver/generated-catalog.js';
import type { ServiceCatalog } from '../src/driver/service-catalog.js';
import { startWsdlServer, type WsdlServer } from '../src/driver/wsdl-server.js';
import type { AdapterContext, GatewayAdapter } from '../src/gateways/adapter.js';
import { createReferenceAdapter } from '../src/gateways/reference/adapter.js';
import { soapRequestsFor } from '../src/gateways/soap-probe.js';
import { CLOCK_TICKS_PER_SECOND, readProcStat } from '../src/sampling/proc-stat.js';
import { trafficOptionsFor, type TrafficOptions } from '../src/traffic/options.js';
import { parseWsdl } from '../src/wsdl/index.js';
import { check, isMain, runAlone, sig, type BenchOutcome } from './lib/check.js';
import { runNode } from './lib/children.js';
import { generatorSource, reapedChildrenCpuSeconds, startFixedTarget } from './lib/generator.js';

const SECONDS = Number(process.env['BENCH_HEADROOM_SECONDS'] ?? 6);
const CONNECTIONS = Number(process.env['BENCH_HEADROOM_CONNECTIONS'] ?? 16);
const SERVICES = 20;
const TARGET_FACTOR = 10;

const cpuSecondsOf = (pid: number | null): number => (pid === null ? NaN : readProcStat(pid).cpuTicks / CLOCK_TICKS_PER_SECOND);

interface BurstResult {
  readonly completed: number;
  readonly throughputPerSec: number;
  readonly latency: { readonly p99Ms: number };
  readonly errors: Readonly<Record<string, number>>;
  /** The generator's own reading of its CPU over the measured window (start-up and probe left out). */
  readonly headroom: { readonly cpuSeconds: number };
}

/** One burst in a generator process of its own; `processCpuSeconds` is that whole process's CPU from the OS. */
async function burst(options: TrafficOptions): Promise<{ result: BurstResult; processCpuSeconds: number }> {
  const before = reapedChildrenCpuSeconds();
  const child = await runNode(['--input-type=module', '-e', generatorSource, JSON.stringify(options)], { timeoutMs: (options.durationMs ?? 0) + 60_000 });
  const processCpuSeconds = reapedChildrenCpuSeconds() - before;
  if (child.exitCode !== 0) throw new Error(`the generator exited ${child.exitCode ?? child.signal}: ${child.stderr.slice(-400)}`);
  return { result: JSON.parse(child.stdout) as BurstResult, processCpuSeconds };
}

function burstOptions(url: string, wsdlFile: string, operation: string, seconds: number): TrafficOptions {
  return trafficOptionsFor(url, { wsdl: wsdlFile, operation, connections: CONNECTIONS, durationMs: seconds * 1000, skipProbe: false });
}

/** The generator's requests per second of its own CPU against a target that answers at once. */
async function capacityAgainstNullTarget(wsdlFile: string, operation: string): Promise<{ perCpuSecond: number; result: BurstResult }> {
  const { child: target, url } = await startFixedTarget();
  try {
    await burst(burstOptions(url, wsdlFile, operation, 2));
    const { result } = await burst(burstOptions(url, wsdlFile, operation, SECONDS));
    return { perCpuSecond: result.completed / result.headroom.cpuSeconds, result };
  } finally {
    target.kill('SIGTERM');
  }
}

export async function run(): Promise<BenchOutcome> {
  const work = mkdtempSync(join(tmpdir(), 'gwscale-bench-headroom-'));
  let catalog: ServiceCatalog | null = null;
  let wsdlServer: WsdlServer | null = null;
  let backend: SpawnedBackend | null = null;
  let adapter: GatewayAdapter | null = null;
  try {
    wsdlServer = await startWsdlServer(
      (i) => (catalog !== null && i < catalog.size ? catalog.serviceAt(i) : undefined),
      (name) => catalog?.indexOf(name),
    );
    backend = await spawnBackend({ latencyMs: 0, wsdlBaseUrl: wsdlServer.url });
    catalog = createServiceCatalog({ services: SERVICES, wsdlVersion: '1.1', wsdlDir: null, seed: 1 }, backend.url);
    const ctx: AdapterContext = Object.freeze({
      workDir: join(work, 'gateway'),
      profile: 'healthy',
      heapMb: null,
      wsdlBaseUrl: wsdlServer.url,
      backendUrl: backend.url,
      callTimeoutMs: 30_000,
      credentials: Object.freeze({ user: 'bench', password: `bench-${process.pid}-${Date.now()}` }),
      log: () => undefined,
    });
    mkdirSync(ctx.workDir, { recursive: true });
    adapter = createReferenceAdapter(ctx);
    await adapter.start();
    for (let i = 0; i < SERVICES; i++) await adapter.register(catalog.serviceAt(i));
    const deployed = await adapter.deploy();
    if (deployed.state !== 'deployed') throw new Error(`deploy failed: ${deployed.reason}`);

    const spec = catalog.serviceAt(0);
    const request = soapRequestsFor(parseWsdl(spec.wsdlText, spec.fileName), spec.serviceName)[0];
    if (request === undefined) throw new Error(`${spec.fileName} has no operation to send`);
    const wsdlFile = join(work, spec.fileName);
    writeFileSync(wsdlFile, spec.wsdlText);
    const url = adapter.requestUrl(spec, request.address);
    // Warm-up: the gateway's and the backend's JIT, and their connection pools.
    await burst(burstOptions(url, wsdlFile, request.operation, 2));
    const gateway0 = cpuSecondsOf(adapter.pid());
    const backend0 = cpuSecondsOf(backend.pid);
    const measured = await burst(burstOptions(url, wsdlFile, request.operation, SECONDS));
    const gatewayCpuSeconds = cpuSecondsOf(adapter.pid()) - gateway0;
    const backendCpuSeconds = cpuSecondsOf(backend.pid) - backend0;
    const { result } = measured;
    const generatorCpuSeconds = result.headroom.cpuSeconds;
    const errors = Object.values(result.errors).reduce((a, b) => a + b, 0);
    const perRequest = (cpu: number): number => (cpu * 1e6) / result.completed;
    // The null target last, with the gateway and backend idle.
    const capacity = await capacityAgainstNullTarget(wsdlFile, request.operation);
    return {
      name: 'headroom',
      info: [
        `traffic: the generator sends ${sig(capacity.perCpuSecond)} requests per second of its CPU against a target that answers at once ` +
          `(${sig(capacity.result.throughputPerSec)} req/s with ${CONNECTIONS} clients); the reference gateway carries ${sig(result.throughputPerSec)} req/s ` +
          `(p99 ${sig(result.latency.p99Ms)} ms, ${errors} errors)`,
        `traffic through the reference gateway, CPU per request: generator ${sig(perRequest(generatorCpuSeconds))} µs ` +
          `(${sig(perRequest(measured.processCpuSeconds))} µs with its start-up), gateway ${sig(perRequest(gatewayCpuSeconds))} µs, backend ${sig(perRequest(backendCpuSeconds))} µs`,
      ],
      checks: [
        check(
          `traffic capacity ÷ reference gateway's rate (${sig(result.throughputPerSec)} req/s)`,
          capacity.perCpuSecond / result.throughputPerSec,
          '>=',
          TARGET_FACTOR,
          '×',
        ),
        check('traffic through the reference gateway: failed requests', errors, '<=', 0),
      ],
      data: {
        connections: CONNECTIONS,
        seconds: SECONDS,
        services: SERVICES,
        capacity: {
          requestsPerCpuSecond: sig(capacity.perCpuSecond),
          throughputPerSec: sig(capacity.result.throughputPerSec),
          p99Ms: sig(capacity.result.latency.p99Ms),
        },
        gateway: {
          completed: result.completed,
          throughputPerSec: sig(result.throughputPerSec),
          p99Ms: sig(result.latency.p99Ms),
          errors: result.errors,
          generatorCpuSeconds: sig(generatorCpuSeconds),
          generatorProcessCpuSeconds: sig(measured.processCpuSeconds),
          gatewayCpuSeconds: sig(gatewayCpuSeconds),
          backendCpuSeconds: sig(backendCpuSeconds),
        },
        note:
          'generator CPU: its own process.cpuUsage over the measured window (generatorProcessCpuSeconds: the whole process from the OS, start-up included); ' +
          'gateway and backend CPU from /proc around the generator process; a 2 s warm-up burst before each measured one',
      },
    };
  } finally {
    await adapter?.stop();
    await backend?.stop();
    await wsdlServer?.close();
    rmSync(work, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) await runAlone(run);
