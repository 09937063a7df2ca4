/**
 * Generates N unique services from templates: names, namespaces and addresses are deterministic
 * from the seed and the index, so the same options give byte-identical documents.
 */
import { usageError } from '../errors.js';
import type { ServiceSpec, WsdlVersion } from './model.js';
import { builtinTemplates, renderTemplate, type TemplateSet, type WsdlTemplate } from './template.js';

/** Which WSDL versions to generate; `mixed` alternates 1.1 and 2.0 by index (even = 1.1). */
export type GenerateVersion = WsdlVersion | 'mixed';

export interface GenerateOptions {
  readonly version: GenerateVersion;
  /** Any safe integer; changes every name's hash suffix and namespace. */
  readonly seed: number;
  /** The harness's SOAP backend, e.g. `http://127.0.0.1:9000`; every address starts `${endpointBase}/${serviceName}`. */
  readonly endpointBase: string;
  /** Templates to use; default: the built-in ones (`wsdl/`). */
  readonly templates?: TemplateSet;
}

export interface GenerateManyOptions extends GenerateOptions {
  readonly count: number;
  /** Index of the first service (for batches generated in parts); default 0. */
  readonly startIndex?: number;
}

/** Makes the service with a given 0-based index. */
export type ServiceGenerator = (index: number) => ServiceSpec;

/** Namespace of generated services: `.test` is reserved (RFC 2606) and never resolves. */
export const GENERATED_NAMESPACE_BASE = 'http://gwscale.test/ws/';

/** A 32-bit integer mix (splitmix/murmur finaliser): neighbouring inputs give unrelated outputs. */
function mix32(value: number): number {
  let x = value >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

/** Six hex digits derived from seed and index. */
function hashSuffix(seed: number, index: number): string {
  const seedLow = seed >>> 0;
  const seedHigh = Math.floor(seed / 0x100000000) >>> 0;
  const h = mix32(mix32(seedLow ^ 0x9e3779b9) ^ mix32(seedHigh + 0x85ebca6b) ^ Math.imul(index, 0xc2b2ae35) ^ mix32(index));
  return (h >>> 8).toString(16).padStart(6, '0');
}

/** Names of the service with this index: `Svc00042_7f3a9c`, `group-00042`, `svc-00042.wsdl`. */
export function serviceNames(index: number, seed: number): { serviceName: string; group: string; fileName: string; targetNamespace: string } {
  const padded = String(index).padStart(5, '0');
  const serviceName = `Svc${padded}_${hashSuffix(seed, index)}`;
  return { serviceName, group: `group-${padded}`, fileName: `svc-${padded}.wsdl`, targetNamespace: GENERATED_NAMESPACE_BASE + serviceName };
}

function checkedEndpointBase(endpointBase: string): string {
  let url: URL;
  try {
    url = new URL(endpointBase);
  } catch {
    throw usageError(`--endpoint-base: got ${JSON.stringify(endpointBase)}, expected an http:// or https:// URL`, 'e.g. http://127.0.0.1:9000');
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw usageError(
      `--endpoint-base: got ${JSON.stringify(endpointBase)}, expected an http:// or https:// URL without query, fragment or credentials`,
      'e.g. http://127.0.0.1:9000',
    );
  }
  return endpointBase.replace(/\/+$/, '');
}

function templatesByVersion(set: TemplateSet, version: GenerateVersion): WsdlTemplate[][] {
  const of = (v: WsdlVersion): WsdlTemplate[] => set.templates.filter((t) => t.version === v);
  if (version !== 'mixed') {
    const list = of(version);
    if (list.length === 0)
      throw usageError(
        `--version ${version}: the templates in ${set.source} hold no WSDL ${version} document`,
        'use --version mixed, or add a WSDL of that version',
      );
    return [list];
  }
  // Mixed alternates among the versions the set holds; a one-version set simply uses that version.
  return [of('1.1'), of('2.0')].filter((list) => list.length > 0);
}

/**
 * Prepares a generator once (validates options, picks templates) and returns a function that makes
 * any service by index without holding others in memory: the driver calls it lazily.
 * @throws GwscaleError (kind `usage`) for bad options.
 */
export function createServiceGenerator(options: GenerateOptions): ServiceGenerator {
  if (!Number.isSafeInteger(options.seed)) throw usageError(`--seed: got ${String(options.seed)}, expected a whole number`);
  if (!['1.1', '2.0', 'mixed'].includes(options.version))
    throw usageError(`--version: got ${JSON.stringify(options.version)}, expected one of 1.1, 2.0, mixed`);
  const endpointBase = checkedEndpointBase(options.endpointBase);
  const groups = templatesByVersion(options.templates ?? builtinTemplates(), options.version);
  const seed = options.seed;
  return (index: number): ServiceSpec => {
    if (!Number.isSafeInteger(index) || index < 0) throw usageError(`service index: got ${String(index)}, expected a whole number ≥ 0`);
    const group = groups[index % groups.length] ?? [];
    const template = group[Math.floor(index / groups.length) % group.length];
    if (template === undefined) throw usageError('no template to generate from');
    const names = serviceNames(index, seed);
    const wsdlText = renderTemplate(template, { serviceName: names.serviceName, targetNamespace: names.targetNamespace, endpointBase });
    return { index, group: names.group, serviceName: names.serviceName, version: template.version, fileName: names.fileName, wsdlText };
  };
}

/** Generates one service (see {@link createServiceGenerator} to make many without re-validating options). */
export function generateService(index: number, options: GenerateOptions): ServiceSpec {
  return createServiceGenerator(options)(index);
}

/**
 * Generates `count` services with indexes `startIndex … startIndex + count - 1`.
 * @throws GwscaleError (kind `usage`) for bad options.
 */
export function generateServices(options: GenerateManyOptions): ServiceSpec[] {
  const start = options.startIndex ?? 0;
  if (!Number.isSafeInteger(options.count) || options.count < 0) throw usageError(`--count: got ${String(options.count)}, expected a whole number ≥ 0`);
  if (!Number.isSafeInteger(start) || start < 0) throw usageError(`--start-index: got ${String(start)}, expected a whole number ≥ 0`);
  const generate = createServiceGenerator(options);
  return Array.from({ length: options.count }, (_, i) => generate(start + i));
}
