/**
 * The recipe file format: a gateway's deployment API described as HTTP calls, checked with zod.
 * docs/targets.md describes every field; `loadRecipe` (load.ts) adds the template and URL checks.
 */
import { z } from 'zod';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
const CAPTURE_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A JSON value whose string leaves are templates. */
const jsonValue: z.ZodType<unknown> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(jsonValue), z.record(z.string(), jsonValue)]),
);

/** One call to the deployment API. */
export const callSchema = z.strictObject({
  method: z.enum(METHODS),
  /** Appended to the admin URL; a template. */
  path: z.string().startsWith('/', 'must start with /'),
  /** JSON body; string leaves are templates. */
  body: jsonValue.optional(),
  /** Text body (XML, YAML …) instead of `body`; a template. */
  bodyText: z.string().optional(),
  /** Content type of `bodyText` (default text/plain); `body` is always application/json. */
  contentType: z.string().optional(),
  /** Extra request headers; values are templates. */
  headers: z.record(z.string(), z.string()).optional(),
  /** Statuses that mean success (default: any 2xx). */
  expect: z.array(z.number().int().min(100).max(599)).min(1).optional(),
  /** Values to keep from the JSON answer for later calls of the same service: name → selector. */
  capture: z.record(z.string().regex(CAPTURE_NAME, 'a capture name is a letter or _ then letters, digits, _'), z.string()).optional(),
});
export type RecipeCall = z.infer<typeof callSchema>;

const selectors = z.union([z.string(), z.array(z.string()).min(1)]);

/** Where a gateway's memory is read; several sources are summed (one per node of a cluster). */
export const memorySourceSchema = z.discriminatedUnion('kind', [
  /** A call to the admin API and a selector for the number of bytes (the reference gateway's POST /api/gc). */
  z.strictObject({ kind: z.literal('json'), call: callSchema, select: z.string(), afterGc: z.boolean().default(false), name: z.string().optional() }),
  /** A Prometheus text exposition; `gcUrl` is fetched first to force a garbage collection. */
  z.strictObject({
    kind: z.literal('prometheus'),
    url: z.string(),
    metric: z.string(),
    labels: z.record(z.string(), z.string()).optional(),
    gcUrl: z.string().optional(),
    name: z.string().optional(),
  }),
  /** A JVM's heap through Jolokia's HTTP-JMX bridge (`…/jolokia`), after `gc` unless `forceGc: false`. */
  z.strictObject({ kind: z.literal('jolokia'), url: z.string(), forceGc: z.boolean().default(true), name: z.string().optional() }),
  /** A Node.js gateway's V8 heap through its inspector (`--inspect`), after a forced GC unless `forceGc: false`. */
  z.strictObject({ kind: z.literal('v8-inspector'), url: z.string(), forceGc: z.boolean().default(true), name: z.string().optional() }),
  /** PSS and RSS of a process tree on this machine: a PID, a PID file, or the process `start` ran. */
  z.strictObject({
    kind: z.literal('process'),
    pid: z.number().int().min(1).optional(),
    pidFile: z.string().optional(),
    started: z.boolean().optional(),
    name: z.string().optional(),
  }),
]);
export type MemorySourceSpec = z.infer<typeof memorySourceSchema>;

export const recipeSchema = z.strictObject({
  /** Short name, shown in reports (`recipe:kong`). */
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, . _ -'),
  description: z.string().optional(),
  /** Where the admin API answers (a template over ports.*); `--admin-url` overrides it. */
  adminUrl: z.string().optional(),
  /** Where the data plane answers (a template over admin.url and ports.*). */
  dataUrl: z.string(),
  /** How the run's credentials (from the environment or --credentials-file) reach the admin API. */
  auth: z
    .discriminatedUnion('type', [
      z.strictObject({ type: z.literal('none') }),
      z.strictObject({ type: z.literal('basic') }),
      z.strictObject({ type: z.literal('bearer') }),
      z.strictObject({ type: z.literal('header'), name: z.string().min(1) }),
    ])
    .default({ type: 'none' }),
  /** How gwscale starts the gateway when it is not attached to a running one. */
  start: z
    .strictObject({
      command: z.array(z.string()).min(1),
      /** Files written into the gateway's work folder before the command runs: name → template text. */
      files: z.record(z.string().regex(/^[\w.-]+$/, 'a plain file name'), z.string()).optional(),
      /** A call that succeeds once the gateway is ready (default GET /). */
      ready: callSchema.optional(),
      timeoutMs: z.number().int().min(100).max(3_600_000).default(60_000),
    })
    .optional(),
  /** A command that restarts a gateway gwscale did not start (`--restart-at` with `--attach`). */
  restart: z.strictObject({ command: z.array(z.string()).min(1) }).optional(),
  /** Calls made once, after start or attach, before the first service (create a server, a workspace). */
  setup: z.array(callSchema).default([]),
  /** Calls that register one service; captures of one call are values of the next. */
  register: z.array(callSchema).min(1),
  /** Calls that attach the request and response policy to a registered service. */
  attach: z.array(callSchema).default([]),
  /** Policies `attach` adds per service (for the listing check); default the number of attach calls. */
  policiesPerService: z.number().int().min(0).optional(),
  /** The call that deploys the configuration, or `none` when every write is live at once. */
  deploy: z.union([z.literal('none'), callSchema]),
  /** How the gateway's own listing is read. */
  list: z.strictObject({
    call: callSchema,
    services: selectors,
    policies: selectors.optional(),
    /** Selector of the next page's path or URL (Kong's `$.next`); pages are followed until it is null, and their counts added. */
    next: z.string().optional(),
  }),
  /** Pause after each deploy before measuring, for gateways whose workers pick up changes a few seconds later (Kong's db_update_frequency). */
  settleMs: z.number().int().min(0).max(600_000).default(0),
  /** Calls that remove one registered service (for --cleanup and gwscale cleanup). */
  remove: z.array(callSchema).optional(),
  /** Path on the data plane that reaches a service (a template), e.g. /{{service.name}}. */
  route: z.string().startsWith('/', 'must start with /'),
  /** What proves the policies ran on a verify request: a response header and what it must contain (templates). */
  verify: z.strictObject({ header: z.string(), contains: z.string() }).optional(),
  /** Where memory is read; several are read together and summed, each kept as a node. */
  memory: z.array(memorySourceSchema).min(1),
});
export type Recipe = z.infer<typeof recipeSchema>;
