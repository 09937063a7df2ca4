/** `gwscale traffic`: drive one URL with a load generator and print the result. */
import { availableParallelism } from 'node:os';
import {
  defaultLocustWorkers,
  httpClientKinds,
  TRAFFIC_DEFAULTS,
  trafficEngines,
  validateTrafficOptions,
  type LocustEngineOptions,
  type TrafficOptions,
} from '../../api/traffic-options.js';
import { usageError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { defineCommand } from '../command-spec.js';
import { formatDurationMs, type OptionSpec, type OptionValues } from '../../option-spec.js';

const d = TRAFFIC_DEFAULTS;
const modeDefaults = Object.entries(d.durationMs)
  .map(([mode, ms]) => `${mode} ${formatDurationMs(ms)}`)
  .join(', ');

const options = [
  {
    key: 'url',
    short: 'u',
    kind: { type: 'string' },
    description: 'where to send (required); must be on loopback unless --allow-remote',
    placeholder: 'URL',
    example: 'http://127.0.0.1:8080/services/quote',
  },
  { key: 'wsdl', kind: { type: 'path' }, description: 'build a SOAP request for --operation from this WSDL (1.1 or 2.0)', placeholder: 'FILE' },
  { key: 'operation', kind: { type: 'string' }, description: 'WSDL operation to call', placeholder: 'NAME', example: 'GetQuote' },
  {
    key: 'soapVersion',
    kind: { type: 'enum', choices: ['1.1', '1.2'] },
    description: 'SOAP binding to use when the operation has both [default: 1.1 when present]',
    placeholder: 'V',
  },
  { key: 'body', kind: { type: 'path' }, description: 'send this file as the request body instead of a WSDL operation', placeholder: 'FILE' },
  { key: 'contentType', kind: { type: 'string' }, description: 'content type of --body [default: text/xml; charset=utf-8]', placeholder: 'TYPE' },
  {
    key: 'mode',
    short: 'm',
    kind: { type: 'enum', choices: ['burst', 'rate', 'find-max', 'soak'] },
    default: 'burst',
    description:
      'burst: C clients as fast as answers come; rate: constant arrival rate; find-max: highest rate within --max-p99/--max-error-rate; soak: long run at --rate with a line every --interval',
    placeholder: 'MODE',
  },
  {
    key: 'connections',
    short: 'c',
    kind: { type: 'int', min: 1, max: 10_000 },
    default: d.connections,
    description: 'connections (closed-loop clients in burst; pooled connections otherwise)',
    placeholder: 'C',
  },
  {
    key: 'httpClient',
    kind: { type: 'enum', choices: httpClientKinds },
    description: 'burst clients: socket (one raw keep-alive connection each, least CPU per request) or undici [default: socket for burst, undici otherwise]',
    placeholder: 'KIND',
  },
  {
    key: 'requests',
    short: 'n',
    kind: { type: 'int', min: 1 },
    description: 'measured requests to send (burst, rate, soak); time still bounds the run',
    placeholder: 'M',
  },
  {
    key: 'rate',
    short: 'r',
    kind: { type: 'number', min: 0.1, max: 10_000_000 },
    description: 'arrival rate in requests/s (rate, soak; the starting rate of find-max)',
    placeholder: 'R',
  },
  {
    key: 'duration',
    short: 'd',
    kind: { type: 'duration', minMs: 100 },
    description: `longest measured time (find-max: the whole search) [default: ${modeDefaults}; ${formatDurationMs(d.burstCountCapMs)} for burst with --requests]`,
    placeholder: 'TIME',
    example: '30s',
  },
  {
    key: 'warmup',
    kind: { type: 'duration-or-count' },
    description: 'traffic sent first and not counted: a time (2s) or a request count (500)',
    placeholder: 'TIME|N',
  },
  {
    key: 'workers',
    short: 'w',
    kind: { type: 'int', min: 1, max: 64 },
    default: 1,
    description: 'sending threads; connections, requests and rate are shared out and histograms merged',
    placeholder: 'N',
  },
  {
    key: 'timeout',
    kind: { type: 'duration', minMs: 1 },
    description: `no answer within this time counts as a timeout error [default: ${formatDurationMs(d.timeoutMs)}]`,
    placeholder: 'TIME',
  },
  {
    key: 'maxInFlight',
    kind: { type: 'int', min: 1 },
    default: d.maxInFlight,
    description: 'open-model cap on requests in flight; a scheduled request beyond it is dropped and counted as an error',
    placeholder: 'N',
  },
  {
    key: 'interval',
    kind: { type: 'duration', minMs: 100 },
    description: `soak progress line interval [default: ${formatDurationMs(d.intervalMs)}]`,
    placeholder: 'TIME',
  },
  {
    key: 'maxP99',
    kind: { type: 'duration', minMs: 1 },
    description: `find-max: highest acceptable p99 latency [default: ${formatDurationMs(d.findMaxMaxP99Ms)}]`,
    placeholder: 'TIME',
  },
  {
    key: 'maxErrorRate',
    kind: { type: 'percent' },
    description: `find-max: highest acceptable error rate [default: ${d.findMaxMaxErrorRate * 100}%]`,
    placeholder: 'PCT',
  },
  {
    key: 'stepDuration',
    kind: { type: 'duration', minMs: 100 },
    description: `find-max: how long each rate is held; the confirmation holds twice as long [default: ${formatDurationMs(d.findMaxStepMs)}]`,
    placeholder: 'TIME',
  },
  {
    key: 'stepFactor',
    kind: { type: 'number', min: 1.01, max: 10 },
    description: `find-max: each step multiplies the rate by this [default: ${d.findMaxStepFactor}]`,
    placeholder: 'F',
  },
  { key: 'maxRate', kind: { type: 'number', min: 1 }, description: 'find-max: highest rate to try, requests/s', placeholder: 'R' },
  {
    key: 'engine',
    kind: { type: 'enum', choices: trafficEngines },
    default: 'gwscale',
    description: 'who sends: gwscale (this process) or locust (a Locust master and its workers, for more traffic than one machine sends; burst and rate only)',
    placeholder: 'ENGINE',
  },
  {
    key: 'locustWorkers',
    kind: { type: 'int', min: 0, max: 256 },
    description: '--engine locust: workers started on this machine [default: cores − 1, at least 1]',
    placeholder: 'K',
  },
  {
    key: 'expectWorkers',
    kind: { type: 'int', min: 1, max: 10_000 },
    description: '--engine locust: workers the master waits for before it starts, those on other machines included [default: --locust-workers]',
    placeholder: 'N',
  },
  {
    key: 'expectWorkersWait',
    kind: { type: 'duration', minMs: 1000 },
    description: `--engine locust: longest wait for them; fewer is an error [default: ${formatDurationMs(d.expectWorkersWaitMs)}]`,
    placeholder: 'TIME',
  },
  {
    key: 'locustMasterBind',
    kind: { type: 'string' },
    description: `--engine locust: address the master listens on for workers; off loopback only with --allow-remote, and the worker command is printed [default: ${d.locustMasterBind}]`,
    placeholder: 'ADDR',
  },
  {
    key: 'locustDir',
    kind: { type: 'path' },
    description: '--engine locust: folder for the generated locustfile, the totals and the logs [default: a new temporary folder]',
    placeholder: 'DIR',
  },
  { key: 'allowRemote', kind: { type: 'boolean' }, default: false, description: 'allow a URL that is not on loopback (only hosts you are allowed to load)' },
  { key: 'skipProbe', kind: { type: 'boolean' }, default: false, description: 'do not send the single checking request before the load' },
  { key: 'json', kind: { type: 'boolean' }, default: false, description: 'print the result as JSON on stdout (progress still goes to stderr)' },
] as const satisfies readonly OptionSpec[];

type TrafficFlags = OptionValues<typeof options>;

/** The Locust settings from the flags; undefined when the built-in engine runs and none were given. */
function locustOptionsOf(o: Readonly<TrafficFlags>): LocustEngineOptions | undefined {
  const given = [o.locustWorkers, o.expectWorkers, o.expectWorkersWait, o.locustMasterBind, o.locustDir].some((v) => v !== undefined);
  if (o.engine !== 'locust' && !given) return undefined;
  const workers = o.locustWorkers ?? defaultLocustWorkers(availableParallelism());
  return {
    workers,
    expectWorkers: o.expectWorkers ?? Math.max(1, workers),
    expectWorkersWaitMs: o.expectWorkersWait ?? d.expectWorkersWaitMs,
    masterBind: o.locustMasterBind ?? d.locustMasterBind,
    dir: o.locustDir ?? null,
  };
}

function toTrafficOptions(o: Readonly<TrafficFlags>): TrafficOptions {
  const locust = locustOptionsOf(o);
  if (o.url === undefined)
    throw usageError('--url is required', 'e.g. gwscale traffic --url http://127.0.0.1:8080/services/quote --wsdl quote.wsdl --operation GetQuote');
  return {
    url: o.url,
    wsdl: o.wsdl ?? null,
    operation: o.operation ?? null,
    soapVersion: o.soapVersion ?? null,
    body: o.body ?? null,
    contentType: o.contentType ?? null,
    mode: o.mode,
    connections: o.connections,
    httpClient: o.httpClient ?? (o.mode === 'burst' ? 'socket' : 'undici'),
    requests: o.requests ?? null,
    ratePerSec: o.rate ?? null,
    durationMs: o.duration ?? null,
    warmup: o.warmup ?? null,
    workers: o.workers,
    timeoutMs: o.timeout ?? d.timeoutMs,
    maxInFlight: o.maxInFlight,
    intervalMs: o.interval ?? d.intervalMs,
    allowRemote: o.allowRemote,
    skipProbe: o.skipProbe,
    engine: o.engine,
    ...(locust === undefined ? {} : { locust }),
    ...(o.maxP99 === undefined ? {} : { maxP99Ms: o.maxP99 }),
    ...(o.maxErrorRate === undefined ? {} : { maxErrorRate: o.maxErrorRate }),
    ...(o.stepDuration === undefined ? {} : { stepDurationMs: o.stepDuration }),
    ...(o.stepFactor === undefined ? {} : { stepFactor: o.stepFactor }),
    ...(o.maxRate === undefined ? {} : { maxRatePerSec: o.maxRate }),
  };
}

/** The `gwscale traffic` command spec. */
export const trafficCommand = defineCommand({
  name: 'traffic',
  summary: 'drive a URL with SOAP or plain HTTP load (burst, constant rate, find-max, soak) and report throughput, latency percentiles and errors',
  args: [],
  options,
  configFile: true,
  examples: [
    'gwscale traffic --url http://127.0.0.1:8080/services/quote --wsdl quote.wsdl --operation GetQuote --mode burst -c 20 -d 30s --warmup 2s',
    'gwscale traffic --url http://127.0.0.1:8080/quote --body request.xml --mode rate --rate 2000 -d 1m --json',
    'gwscale traffic --url http://127.0.0.1:8080/quote --wsdl quote.wsdl --operation GetQuote --mode find-max --max-p99 50ms',
    'gwscale traffic --url http://127.0.0.1:8080/quote --body request.xml --mode soak --rate 500 -d 2h --interval 1m',
    'gwscale traffic --url http://127.0.0.1:8080/quote --wsdl quote.wsdl --operation GetQuote --engine locust --locust-workers 3 -c 60 -d 1m',
  ],
  validate: (o) => validateTrafficOptions(toTrafficOptions(o)),
  async run({ options: o, out, err, signal }) {
    // The generators (undici, the WSDL layer, hdr-histogram) load only when traffic runs.
    const { isLocustResult, runTraffic, renderFindMaxStep, renderSoakTick, renderTrafficSummary } = await import('../../api/traffic.js');
    const { result, description } = await runTraffic(toTrafficOptions(o), {
      signal,
      onSoakTick: (tick) => err(renderSoakTick(tick) + '\n'),
      onFindMaxStep: (step) => err(renderFindMaxStep(step) + '\n'),
      onLine: (line) => err(line + '\n'),
    });
    out(o.json ? JSON.stringify(result, null, 2) + '\n' : renderTrafficSummary(result, description));
    if (result.stoppedBy === 'signal') return ExitCode.Interrupted;
    // A worker that went missing took requests with it: the numbers are incomplete, so the run fails.
    if (isLocustResult(result) && result.locust.missingWorkers.length > 0) {
      for (const line of result.locust.missingWorkers) err(`gwscale traffic: ${line}\n`);
      return ExitCode.Gateway;
    }
    return ExitCode.Ok;
  },
});
