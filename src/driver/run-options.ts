/**
 * The settings of a scale run, one row each: the flag of `gwscale run` (name, kind, default, help),
 * the config-file field, and the `RunConfig` field it fills (`field`, `to`, `onlyWhen`), which the
 * run log records. Adding a setting is adding its row here; nothing else needs an edit.
 */
import { resolve } from 'node:path';
import { SEQUENTIAL_MAX_LOAD_REPEATS } from '../analysis/constants.js';
import type { SettingSpec } from '../option-config.js';
import { trafficEngines } from '../traffic/options.js';
import { DEFAULT_NODE_RED_VERSION } from '../gateways/node-red/install.js';
import { TARGET_NAMES } from '../gateways/registry.js';
import { MEMORY_SOURCE_KINDS } from '../gateways/memory-source-flag.js';
import { gatewayProfiles } from '../reference-gateway/protocol.js';

/** The reference gateway's behaviour profiles (its protocol module holds the one list). */
export const PROFILES = gatewayProfiles;
/** The built-in targets, from the target registry (the one list of their names). */
export const TARGETS = TARGET_NAMES;
/** Crash restarts `--restart-on-crash` allows unless `--crash-restarts` says otherwise, so a gateway that dies at once cannot loop forever. */
export const DEFAULT_CRASH_RESTARTS = 3;

export const runSettingOptions = [
  {
    key: 'target',
    kind: { type: 'string' },
    default: 'reference',
    description: `gateway to test: a built-in target (${TARGET_NAMES.join(', ')}; the harness starts it on loopback), recipe:FILE (a gateway described in a JSON or YAML recipe, see docs/targets.md), or a plugin module (./my-target.js, or a package name) exporting an adapter factory`,
    placeholder: 'name',
    example: 'recipe:recipes/caddy.json',
  },
  { key: 'profile', kind: { type: 'enum', choices: PROFILES }, default: 'healthy', description: 'reference gateway behaviour profile', placeholder: 'name' },
  {
    key: 'services',
    short: 'n',
    kind: { type: 'int', min: 1, max: 1_000_000 },
    default: 500,
    description: 'services to register in all (one per service group)',
    placeholder: 'N',
  },
  {
    key: 'batch',
    short: 'b',
    kind: { type: 'int', min: 1, max: 1_000_000 },
    default: 100,
    description: 'services per round; each round ends with one deploy of the whole configuration',
    placeholder: 'B',
  },
  {
    key: 'concurrency',
    short: 'c',
    kind: { type: 'int', min: 1, max: 1024 },
    default: 8,
    description: 'registration calls in flight at once',
    placeholder: 'C',
  },
  {
    key: 'restartAt',
    kind: { type: 'int-list', min: 1 },
    default: [],
    description: 'restart the gateway after the round that reaches each of these service counts, and measure again',
    placeholder: 'N,N',
  },
  {
    key: 'redeploys',
    kind: { type: 'int-or-auto', min: 0, max: 1000, autoMax: { min: 2, max: 1000, default: 30 } },
    default: 0,
    description:
      'after the last round, redeploy the unchanged configuration R times, measuring after each; auto: one at a time until the sequential test decides leak or healthy, at most MAX times',
    placeholder: 'R',
    example: 'auto:20',
  },
  {
    key: 'readings',
    before: 1,
    kind: { type: 'int', min: 1, max: 20 },
    default: 3,
    description:
      'readings at each measurement point, each after its own forced GC where the target allows it; the row holds their mean and every reading (their scatter is the pure measurement error)',
    placeholder: 'K',
  },
  {
    key: 'readingIntervalMs',
    before: 0,
    kind: { type: 'int', min: 0, max: 60_000 },
    default: 300,
    description: 'pause between the readings of one measurement point, in ms',
    placeholder: 'ms',
  },
  {
    key: 'leakMargin',
    field: 'leakMarginFraction',
    kind: { type: 'percent', min: 0.01, max: 50 },
    default: '0.25%',
    description: 'healthy only when memory kept per deploy is shown to be below this share of memory (per deploy); 0.25 and 0.25% both mean 0.25 %',
    placeholder: 'PCT',
    example: '0.5%',
  },
  {
    key: 'gatewayHeapMb',
    kind: { type: 'int', min: 16, max: 1_048_576 },
    description: 'heap limit of the gateway process in MiB (reference: --max-old-space-size; tomcat: -Xmx)',
    placeholder: 'MiB',
  },
  {
    key: 'heapMax',
    field: 'heapMaxBytes',
    kind: { type: 'size' },
    description: 'heap limit for the out-of-memory prediction when the target has none set (e.g. 4GiB)',
    placeholder: 'SIZE',
  },
  {
    key: 'wsdlVersion',
    kind: { type: 'enum', choices: ['1.1', '2.0', 'mixed'] },
    default: '1.1',
    description: 'which built-in WSDL templates to generate services from',
    placeholder: 'V',
  },
  {
    key: 'wsdl',
    field: 'wsdlDir',
    to: (dir) => resolve(String(dir)),
    configKind: { type: 'path' },
    kind: { type: 'path' },
    description: 'folder of your own *.wsdl files to use as templates instead of the built-in ones',
    placeholder: 'DIR',
  },
  {
    key: 'seed',
    kind: { type: 'int', min: 0, max: 2 ** 31 - 1 },
    default: 1,
    description: 'seed for generated service names and namespaces',
    placeholder: 'S',
  },
  {
    key: 'verify',
    kind: { type: 'enum', choices: ['all', 'new', 'none'] },
    default: 'all',
    description: "after each deploy, send one SOAP request through the gateway to every service (all), the round's new ones (new), or none",
    placeholder: 'mode',
  },
  {
    key: 'callTimeoutMs',
    kind: { type: 'int', min: 100, max: 3_600_000 },
    default: 120_000,
    description: 'timeout of each attempt of a deployment-API call, in ms (transient failures are retried with backoff; see docs/faults.md)',
    placeholder: 'ms',
  },
  {
    key: 'sampleIntervalMs',
    kind: { type: 'int', min: 5, max: 60_000 },
    default: 20,
    description: 'memory sampling interval while a deploy runs, in ms',
    placeholder: 'ms',
  },
  {
    key: 'backendLatencyMs',
    kind: { type: 'int', min: 0, max: 600_000 },
    default: 0,
    description: "latency the harness's SOAP backend adds to every answer, in ms",
    placeholder: 'ms',
  },
  {
    key: 'loadSteps',
    kind: { type: 'int-list', min: 1 },
    default: [],
    description: 'after registration, drive traffic at each of these concurrencies in turn, then measure the idle gateway after GC (a `load` row per step)',
    placeholder: 'C,C',
  },
  {
    key: 'loadRepeats',
    kind: { type: 'int-or-auto', min: 0, max: 100, autoMax: { min: 1, max: 100, default: SEQUENTIAL_MAX_LOAD_REPEATS } },
    default: 0,
    description:
      'after the load steps, repeat the highest concurrency R more times (a pool stays flat there, a leak keeps rising); auto: one at a time until the traffic test decides leak, pool or nothing kept, at most MAX times',
    placeholder: 'R',
    example: 'auto',
  },
  {
    key: 'loadStepMs',
    kind: { type: 'int', min: 100, max: 3_600_000 },
    default: 4000,
    description: 'how long each load step drives traffic, in ms',
    placeholder: 'ms',
  },
  {
    key: 'loadIdleMs',
    kind: { type: 'int', min: 0, max: 3_600_000 },
    default: 3000,
    description:
      "quiet time after each load step before the memory reading, in ms (longer than the gateway's keep-alive timeouts, so idle connections are gone)",
    placeholder: 'ms',
  },
  {
    key: 'loadServices',
    kind: { type: 'int', min: 1, max: 1_000_000 },
    default: 2,
    description: "services whose operations get the load steps' traffic (few, so each operation sees the concurrency, as behind a slow backend)",
    placeholder: 'N',
  },
  {
    key: 'trafficEngine',
    onlyWhen: (engine) => engine === 'locust',
    kind: { type: 'enum', choices: trafficEngines },
    default: 'gwscale',
    description:
      "who drives the load steps: gwscale (this process) or locust (a Locust master and workers on this machine; their totals are checked against the SOAP backend's count)",
    placeholder: 'ENGINE',
  },
  {
    key: 'locustWorkers',
    onlyWhen: (_, o) => o.trafficEngine === 'locust',
    kind: { type: 'int', min: 1, max: 256 },
    description: 'with --traffic-engine locust: workers started on this machine [default: cores − 1, at least 1]',
    placeholder: 'K',
  },
  {
    key: 'restartOnCrash',
    kind: { type: 'boolean' },
    default: false,
    description: 'when the gateway dies, record the crash, restart it and go on (at most --crash-restarts times)',
  },
  {
    key: 'crashRestarts',
    onlyWhen: (_, o) => o.restartOnCrash === true,
    kind: { type: 'int', min: 1, max: 100 },
    default: DEFAULT_CRASH_RESTARTS,
    description: 'with --restart-on-crash: crashes the run restarts the gateway after; the next one ends the run',
    placeholder: 'N',
  },
  {
    key: 'redeployMode',
    onlyWhen: (_, o) => o.target === 'tomcat',
    kind: { type: 'enum', choices: ['full', 'reload'] },
    default: 'full',
    description:
      'tomcat: how every deploy after the first redeploys existing webapps: full (upload the WAR again: undeploy + deploy) or reload (restart the context)',
    placeholder: 'mode',
  },
  {
    key: 'deployUnderLoad',
    onlyWhen: (n) => n !== 0,
    kind: { type: 'int', min: 0, max: 1024 },
    default: 0,
    description:
      'keep C requests in flight through the gateway (to the first --load-services services) while every deploy runs; with --backend-latency-ms they stay in flight across a reload',
    placeholder: 'C',
  },
  {
    key: 'hardStopAfter',
    field: 'hardStopAfterMs',
    onlyWhen: (_, o) => o.target === 'haproxy',
    kind: { type: 'duration', minMs: 1, maxMs: 86_400_000 },
    description:
      'haproxy: hard-stop-after, how long old workers may keep serving their connections after a reload before they are killed [default: until their connections end]',
    placeholder: 'TIME',
  },
  {
    key: 'discardOld',
    onlyWhen: (_, o) => o.target === 'varnish',
    to: (v) => v === 'true',
    configKind: { type: 'boolean' },
    kind: { type: 'enum', choices: ['true', 'false'] },
    default: 'true',
    description:
      'varnish: vcl.discard the earlier VCLs after each deploy once no request holds them (false keeps every VCL loaded, as an operator who forgets the discard does)',
    placeholder: 'BOOL',
  },
  {
    key: 'gatewayVersion',
    onlyWhen: (_, o) => o.target === 'node-red',
    kind: { type: 'string' },
    description: `node-red: the Node-RED version to install with npm (once, into ~/.cache/gwscale/node-red/<version>; GWSCALE_CACHE_DIR moves it) and run, e.g. 3.1.15, or 4.1.x for the newest 4.1 [default: ${DEFAULT_NODE_RED_VERSION}]`,
    placeholder: 'VERSION',
    example: '3.1.15',
  },
  {
    key: 'attach',
    onlyWhen: (v) => v === true,
    kind: { type: 'boolean' },
    default: false,
    description:
      "register into a gateway that is already running (give --admin-url) instead of starting one: gwscale neither starts nor stops it, restarts it only with the recipe's restart command, and reads memory only from the sources given",
  },
  {
    key: 'adminUrl',
    onlyWhen: (_, o) => o.attach === true,
    kind: { type: 'string' },
    description: 'with --attach: the admin API of the running gateway; must be on loopback unless --allow-remote',
    placeholder: 'URL',
    example: 'http://127.0.0.1:8001',
  },
  {
    key: 'allowRemote',
    onlyWhen: (v) => v === true,
    kind: { type: 'boolean' },
    default: false,
    description:
      'allow an --admin-url (and recipe URLs) that are not on loopback; gwscale then shows what it will do and asks (--yes, or y on a terminal) before its first write',
  },
  {
    key: 'cleanup',
    onlyWhen: (v) => v === true,
    kind: { type: 'boolean' },
    default: false,
    description:
      'with --attach: remove every service the run registered when it ends, also after Ctrl-C, so the gateway is left as it was (gwscale cleanup RUN_DIR does it later)',
  },
  {
    key: 'memorySource',
    field: 'memorySources',
    onlyWhen: (v) => Array.isArray(v) && v.length > 0,
    kind: { type: 'string-list' },
    default: [],
    description: `a memory source to read beside the target's own, once per node of a cluster: ${MEMORY_SOURCE_KINDS.map((k) => `${k}:…`).join(', ')}; the readings are summed and each node kept in the report`,
    placeholder: 'KIND:VALUE',
    example: 'pidfile:/usr/local/kong/pids/nginx.pid',
  },
] as const satisfies readonly SettingSpec[];
