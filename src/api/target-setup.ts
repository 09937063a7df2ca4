/**
 * How `gwscale run` gets its target: `--target` resolved (built-in, recipe, plugin) or a factory
 * passed to the typed API, `--attach` checked (loopback unless `--allow-remote`, and a remote
 * gateway only after the user said yes to what will be done to it), `--memory-source` parsed.
 */
import { isLoopbackHost } from '../loopback.js';
import { usageError } from '../errors.js';
import type { AdapterFactory, AttachOptions, GatewayAdapter } from '../gateways/adapter.js';
import { assertLoopbackUrl } from '../loopback.js';
import { parseMemorySource } from '../gateways/memory-source-flag.js';
import type { MemorySource } from '../sampling/source.js';
import { resolveTarget, checkedAdapter } from '../gateways/target-spec.js';
import type { RunConfig } from '../driver/config.js';

/** Asked before the first write to a remote gateway gwscale did not start; resolves true to go on. */
export type ConfirmRemote = (plan: string) => Promise<boolean>;

export interface PreparedTarget {
  readonly factory: AdapterFactory;
  readonly attach: AttachOptions | undefined;
  readonly memorySources: readonly MemorySource[];
}

/** What a run will do to a gateway it did not start, in a few lines, for the confirmation. */
export function attachPlan(config: RunConfig): string {
  return [
    `gwscale will write to the gateway at ${config.adminUrl ?? '?'} (${config.target}), which it did not start:`,
    `  register ${config.services} services in rounds of ${config.batch}, each with its request and response policy, and deploy after each round`,
    ...(typeof config.redeploys === 'number' && config.redeploys > 0 ? [`  redeploy the unchanged configuration ${config.redeploys} times`] : []),
    ...(typeof config.redeploys === 'object' ? [`  redeploy the unchanged configuration up to ${config.redeploys.max} times`] : []),
    ...(config.restartAt.length > 0 ? [`  restart it after the rounds that reach ${config.restartAt.join(', ')} services`] : []),
    config.cleanup === true
      ? '  remove every service it registered at the end (--cleanup)'
      : '  leave the services registered at the end (no --cleanup; gwscale cleanup RUN_DIR removes them later)',
  ].join('\n');
}

/** Resolves the run's target; throws a usage error for a refused attach before anything is written. */
export async function prepareTarget(
  config: RunConfig,
  options: { readonly adapterFactory?: AdapterFactory; readonly confirm?: ConfirmRemote; readonly authHeaders?: Readonly<Record<string, string>> },
  registeredBefore = 0,
): Promise<PreparedTarget> {
  const allowRemote = config.allowRemote === true;
  const resolved = options.adapterFactory
    ? {
        kind: 'plugin' as const,
        factory: (ctx: Parameters<AdapterFactory>[0]): GatewayAdapter => checkedAdapter('(factory passed to run())', options.adapterFactory?.(ctx)),
      }
    : await resolveTarget(config.target, { allowRemote });
  let attach: AttachOptions | undefined;
  if (config.attach === true) {
    if (config.adminUrl === undefined) throw usageError('--attach needs --admin-url URL: the admin API of the running gateway');
    if (resolved.kind === 'built-in') {
      throw usageError(
        `--attach: the built-in target ${config.target} starts its own gateway`,
        'attach with a recipe (--target recipe:FILE) or a plugin that supports it',
      );
    }
    const url = assertLoopbackUrl(config.adminUrl, allowRemote, '--admin-url');
    if (!isLoopbackHost(url.hostname)) {
      const plan = attachPlan(config);
      const yes = options.confirm === undefined ? false : await options.confirm(plan);
      if (!yes)
        throw usageError(
          `--attach: ${url.host} is not on this machine and nothing was confirmed, so nothing was written`,
          `${plan.replace(/\n\s*/g, '; ')}; pass --yes (or answer y on a terminal) to go on`,
        );
    }
    attach = Object.freeze({ adminUrl: config.adminUrl, allowRemote, ...(registeredBefore > 0 ? { registeredBefore } : {}) });
  }
  const memorySources = (config.memorySources ?? []).map((text) =>
    parseMemorySource(text, { allowRemote, timeoutMs: config.callTimeoutMs, ...(options.authHeaders ? { headers: options.authHeaders } : {}) }),
  );
  return { factory: resolved.factory, attach, memorySources };
}
