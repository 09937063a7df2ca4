/**
 * The driver's measuring instruments: the live-memory readings of one measurement point, the
 * samplers that catch a deploy's peak, and the gateway process's CPU time over the run (summed over
 * its restarts, read from /proc while it lives).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { GatewayAdapter } from '../gateways/adapter.js';
import { meanOfReadings, type PeakSource } from '../run-log/round.js';
import { readProcessUsage, rssSource } from '../sampling/process-usage.js';
import { startSampler, type Sampler } from '../sampling/sampler.js';
import type { MemoryReading, MemorySource } from '../sampling/source.js';
import type { GatewayWatch } from './gateway-watch.js';
import type { RunLogWriter } from './run-log.js';

/** The readings of one measurement point. */
/** Shortest interval between deploy-peak samples of a process tree (each one scans /proc). */
const TREE_SAMPLE_MIN_INTERVAL_MS = 100;

export interface PointReading {
  /** The point's value: the mean of its readings. */
  readonly memoryBytes: number;
  /** Every live-memory reading, in order. */
  readonly readingsBytes: readonly number[];
  /** The last reading (its source, GC state and extra numbers stand for the point). */
  readonly last: MemoryReading;
  /** RSS of the gateway process (from /proc), else the gateway's own figure, else null. */
  readonly rssBytes: number | null;
}

/** What the samplers saw while a deploy ran. */
export interface DeployPeak {
  /** Highest reading while the deploy ran, and the reading just before it, both of `peakSource`. */
  readonly peakBytes: number | null;
  readonly preDeployBytes: number | null;
  readonly peakSource: PeakSource;
  /** With a heap peak: the RSS peak and pre-deploy RSS beside it (`peakRssBytes`, `preDeployRssBytes`). */
  readonly extra: Readonly<Record<string, number>>;
}

export interface MeasurerSettings {
  /** Readings per measurement point (`--readings`). */
  readonly readings: number;
  /** Pause between the readings of one point. */
  readonly readingIntervalMs: number;
  /** Sampler interval while a deploy runs. */
  readonly sampleIntervalMs: number;
}

export class Measurer {
  /** Samples taken while deploys ran (the run-end record states it). */
  samplesTaken = 0;
  /** The last live reading and deploy peak, whatever came after: a crash row is built from them. */
  readonly last = { memoryBytes: null as number | null, memorySource: 'none', peakBytes: null as number | null, peakSource: 'rss' as PeakSource };
  private gatewayCpuSeconds = 0;
  /** CPU seconds of the running gateway process at its last reading. */
  private runningGatewayCpuSeconds = 0;

  constructor(
    private readonly adapter: GatewayAdapter,
    private readonly watch: GatewayWatch,
    private readonly log: RunLogWriter,
    private readonly settings: MeasurerSettings,
    /** When the run started (sample records carry the time since). */
    private readonly startedAt: number,
  ) {}

  /**
   * Reads one point: `readings` live-memory readings, `readingIntervalMs` apart, each after its own
   * forced GC where the target forces GC (`adapter.liveMemory()` does), and the process's RSS.
   */
  async readPoint(): Promise<PointReading> {
    const readingsBytes: number[] = [];
    let live = await this.watch.guarded('measure', () => this.adapter.liveMemory());
    readingsBytes.push(live.bytes);
    while (readingsBytes.length < this.settings.readings) {
      await this.watch.guarded('measure', () => sleep(this.settings.readingIntervalMs));
      live = await this.watch.guarded('measure', () => this.adapter.liveMemory());
      readingsBytes.push(live.bytes);
    }
    const pid = this.adapter.pid();
    let rssBytes: number | null = live.extra?.rssBytes ?? null;
    if (pid !== null) {
      try {
        const usage = await readProcessUsage(pid);
        rssBytes = usage.rssBytes;
        this.runningGatewayCpuSeconds = usage.cpuSeconds;
      } catch {
        // keep the gateway's own RSS figure
      }
    }
    const memoryBytes = meanOfReadings(readingsBytes);
    this.last.memoryBytes = memoryBytes;
    this.last.memorySource = live.source;
    return { memoryBytes, readingsBytes, last: live, rssBytes };
  }

  /**
   * Runs a deploy (`work`) with the peak sampled while it runs: heap in use where the target can read
   * it cheaply (the kind of memory the verdict projects), and RSS beside it. Each sample is logged.
   * The samplers stop however `work` ends.
   */
  async sampleDeploy<T>(services: number, work: () => Promise<T>): Promise<{ value: T; peak: DeployPeak }> {
    const pid = this.adapter.pid();
    const heapSource = this.adapter.heapInUseSource?.() ?? null;
    const onSample = (reading: MemoryReading): void => {
      this.samplesTaken++;
      this.log.append({ type: 'sample', t: Date.now() - this.startedAt, phase: 'deploy', services, source: reading.source, bytes: reading.bytes });
    };
    this.last.peakBytes = null;
    let preDeployRssBytes: number | null = null;
    let rssSampler: Sampler | null = null;
    // A target measured as a process tree (HAProxy's master and workers, Varnish's manager and child)
    // peaks in the whole tree: an old worker still serving is memory the deploy needs too.
    const treeSource = this.adapter.processTreeSource?.() ?? null;
    const osPeakSource: PeakSource = treeSource !== null ? 'pss-tree' : 'rss';
    if (pid !== null) {
      const osSource: MemorySource = treeSource ?? rssSource(pid);
      preDeployRssBytes = await osSource.read().then(
        (r) => r.bytes,
        () => null,
      );
      // A tree reading scans /proc (tens of ms on a loaded machine): not more often than every 100 ms.
      const intervalMs = treeSource === null ? this.settings.sampleIntervalMs : Math.max(this.settings.sampleIntervalMs, TREE_SAMPLE_MIN_INTERVAL_MS);
      rssSampler = startSampler(osSource, intervalMs, onSample);
    }
    let preDeployHeapBytes: number | null = null;
    let heapSampler: Sampler | null = null;
    if (heapSource !== null) {
      preDeployHeapBytes = await heapSource.read().then(
        (r) => r.bytes,
        () => null,
      );
      // A source that cannot answer now (a gateway without the endpoint) is not polled in vain.
      if (preDeployHeapBytes !== null) heapSampler = startSampler(heapSource, this.settings.sampleIntervalMs, onSample);
    }
    const stopSamplers = async (): Promise<{ rssPeak: number | null; heapPeak: number | null }> => {
      const [rss, heap] = await Promise.all([rssSampler?.stop(), heapSampler?.stop()]);
      const peaks = { rssPeak: rss?.peakBytes ?? null, heapPeak: heap?.peakBytes ?? null };
      // A crash row reports how far the deploy got, in the kind of memory it would have used.
      this.last.peakBytes = peaks.heapPeak ?? peaks.rssPeak;
      this.last.peakSource = peaks.heapPeak !== null ? 'heap' : osPeakSource;
      this.log.sync();
      return peaks;
    };
    let value: T;
    try {
      value = await work();
    } catch (error) {
      await stopSamplers();
      throw error;
    }
    const { rssPeak, heapPeak } = await stopSamplers();
    const rssExtra = { ...(rssPeak === null ? {} : { peakRssBytes: rssPeak }), ...(preDeployRssBytes === null ? {} : { preDeployRssBytes }) };
    if (heapPeak !== null && preDeployHeapBytes !== null) {
      return { value, peak: { peakBytes: heapPeak, preDeployBytes: preDeployHeapBytes, peakSource: 'heap', extra: rssExtra } };
    }
    return { value, peak: { peakBytes: rssPeak, preDeployBytes: preDeployRssBytes, peakSource: osPeakSource, extra: {} } };
  }

  /** Adds the CPU time of the gateway process now running; call before it is stopped or after it died. */
  async closeGatewayCpu(): Promise<void> {
    const pid = this.adapter.pid();
    let cpuSeconds = this.runningGatewayCpuSeconds;
    if (pid !== null) {
      // A dead process has no CPU time to read: the last reading taken while it lived stands.
      cpuSeconds = await readProcessUsage(pid).then(
        (u) => u.cpuSeconds,
        () => cpuSeconds,
      );
    }
    this.gatewayCpuSeconds += cpuSeconds;
    this.runningGatewayCpuSeconds = 0;
  }

  /** CPU seconds of every gateway process of the run so far (closed ones only). */
  get gatewayCpuTotalSeconds(): number {
    return this.gatewayCpuSeconds;
  }
}
