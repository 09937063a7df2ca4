/**
 * The memory sources a recipe names, built on the harness's own readers: a JSON call and selector
 * (the reference gateway's `POST /api/gc`), a Prometheus exposition, Jolokia for a JVM, and the
 * PSS of a process tree. Several sources are nodes of one cluster: read together, summed, and each
 * kept in the reading's `extra` as `node<i>Bytes`.
 */
import { readFileSync } from 'node:fs';
import { gatewayError } from '../../errors.js';
import { assertLoopbackUrl } from '../../loopback.js';
import { createJolokiaSource } from '../../sampling/jolokia.js';
import { createPrometheusSource } from '../../sampling/prometheus.js';
import { createPssTreeSource } from '../../sampling/pss.js';
import { createV8InspectorSource } from '../../sampling/v8-inspector.js';
import type { MemoryReading, MemorySource } from '../../sampling/source.js';
import type { CallAnswer } from './calls.js';
import { render } from './calls.js';
import type { MemorySourceSpec, Recipe, RecipeCall } from './schema.js';
import { SelectorError, selectOne } from './selector.js';
import type { TemplateValues } from './template.js';

export interface MemoryContext {
  readonly file: string;
  readonly values: TemplateValues;
  /** PID of the process the recipe's start command ran, while it runs. */
  readonly startedPid: () => number | null;
  readonly workDir: string;
  /** Sends a recipe call to the admin API. */
  readonly call: (call: RecipeCall, where: string) => Promise<CallAnswer>;
  readonly timeoutMs: number;
  /** Auth headers for sources on the admin API's host. */
  readonly headers: Readonly<Record<string, string>>;
  readonly allowRemote: boolean;
}

/** Reads a PID file; throws a gateway error naming it. */
export function readPidFile(path: string): number {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw gatewayError(`cannot read the PID file ${path}`);
  }
  const pid = Number(text.trim());
  if (!Number.isInteger(pid) || pid < 1) throw gatewayError(`${path} does not hold a process id`);
  return pid;
}

function sourceOf(spec: MemorySourceSpec, i: number, ctx: MemoryContext): MemorySource {
  const where = `${ctx.file}: $.memory[${i}]`;
  const url = (text: string, field: string): string => assertLoopbackUrl(render(text, ctx.values), ctx.allowRemote, `${where}.${field}`).href;
  switch (spec.kind) {
    case 'json': {
      const name = spec.name ?? `json:${spec.select}`;
      return {
        name,
        measures: `the number at ${spec.select} in the answer of ${spec.call.method} ${spec.call.path}`,
        async read(): Promise<MemoryReading> {
          const answer = await ctx.call(spec.call, `memory[${i}]`);
          let value: unknown;
          try {
            value = selectOne(spec.select, answer.json);
          } catch (error) {
            if (error instanceof SelectorError) throw gatewayError(`${where}.select: ${error.message}`);
            throw error;
          }
          if (typeof value !== 'number') throw gatewayError(`${where}.select: ${spec.select} is not a number of bytes`);
          return { bytes: value, source: name, afterGc: spec.afterGc };
        },
      };
    }
    case 'prometheus':
      return createPrometheusSource({
        metricsUrl: url(spec.url, 'url'),
        metric: spec.metric,
        ...(spec.labels ? { labels: spec.labels } : {}),
        ...(spec.gcUrl === undefined ? {} : { gcUrl: url(spec.gcUrl, 'gcUrl') }),
        ...(spec.name === undefined ? {} : { name: spec.name }),
        timeoutMs: ctx.timeoutMs,
        headers: ctx.headers,
      });
    case 'jolokia':
      return createJolokiaSource({
        url: url(spec.url, 'url'),
        forceGc: spec.forceGc,
        timeoutMs: ctx.timeoutMs,
        headers: ctx.headers,
        ...(spec.name === undefined ? {} : { name: spec.name }),
      });
    case 'v8-inspector':
      return createV8InspectorSource({
        url: url(spec.url, 'url'),
        forceGc: spec.forceGc,
        timeoutMs: ctx.timeoutMs,
        ...(spec.name === undefined ? {} : { name: spec.name }),
      });
    case 'process': {
      const { pid, pidFile } = spec;
      const pidNow = (): number | null =>
        pid !== undefined ? pid : pidFile !== undefined ? readPidFile(render(pidFile, { workDir: ctx.workDir })) : ctx.startedPid();
      return createPssTreeSource({ pid: pidNow, what: `the gateway process of ${where}` });
    }
  }
}

/** The recipe's memory sources, ready to read. */
export function recipeMemorySources(recipe: Recipe, ctx: MemoryContext): MemorySource[] {
  return recipe.memory.map((spec, i) => sourceOf(spec, i, ctx));
}

/**
 * A source's memory of the same kind read without forcing a GC, cheap enough to sample while a
 * deploy runs (the peak the deploy needs): a Prometheus metric without its `gcUrl`, a JVM's or a
 * Node process's heap used without the GC call. A source that never forced GC is itself, name
 * and all; one that did loses its name (which may say "after GC") for the reading's default. Null
 * where there is none: a JSON call may itself be the GC (the reference gateway's `POST /api/gc`), and
 * a process tree is not a heap (the driver samples the started process's RSS instead).
 */
function withoutGcOf(spec: MemorySourceSpec, i: number, ctx: MemoryContext): MemorySource | null {
  switch (spec.kind) {
    case 'prometheus': {
      if (spec.gcUrl === undefined) return sourceOf(spec, i, ctx);
      const { gcUrl: _gc, name: _name, ...rest } = spec;
      return sourceOf(rest, i, ctx);
    }
    case 'jolokia':
    case 'v8-inspector': {
      if (!spec.forceGc) return sourceOf(spec, i, ctx);
      const { name: _name, ...rest } = spec;
      return sourceOf({ ...rest, forceGc: false }, i, ctx);
    }
    case 'json':
    case 'process':
      return null;
  }
}

/**
 * What the driver samples for a deploy's peak: every memory source read without GC (summed, as the
 * live readings are), or null when one of them has no such reading (the driver then samples the
 * started process's RSS).
 */
export function recipePeakSource(recipe: Recipe, ctx: MemoryContext): MemorySource | null {
  const sources = recipe.memory.map((spec, i) => withoutGcOf(spec, i, ctx));
  if (sources.some((s) => s === null)) return null;
  const all = sources as MemorySource[];
  const [only] = all;
  if (all.length === 1 && only !== undefined) return only;
  return {
    name: `sum(${all.map((s) => s.name).join(',')})`,
    measures: `the sum of ${all.map((s) => s.measures).join('; ')}`,
    read: async () => sumReadings(await Promise.all(all.map((s) => s.read()))),
  };
}

/**
 * One reading from the readings of every node: the sum, after GC only when all were, with each
 * node's bytes in `extra` (`node0Bytes`, …) when there are several. A single reading passes as is.
 */
export function sumReadings(readings: readonly MemoryReading[]): MemoryReading {
  const [only] = readings;
  if (readings.length === 1 && only !== undefined) return only;
  const extra: Record<string, number> = {};
  readings.forEach((r, i) => (extra[`node${i}Bytes`] = r.bytes));
  return {
    bytes: readings.reduce((sum, r) => sum + r.bytes, 0),
    source: `sum(${readings.map((r) => r.source).join(',')})`,
    afterGc: readings.every((r) => r.afterGc),
    extra,
  };
}
