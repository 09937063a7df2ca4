/**
 * Varnish's VCL for a run: per service a backend and a route in `vcl_recv` that sets the request
 * policy's header and the service's response policy value, which `vcl_deliver` writes on the
 * answer. Pure: model in, VCL text out.
 */

/** Every backend the harness writes is named with this prefix, so `listing` can find its own. */
export const BACKEND_PREFIX = 'gwscale_svc_';
/** Set on the request by the request policy; the response policy echoes what it saw. */
export const REQUEST_POLICY_HEADER = 'X-Gw-Request-Policy';
export const RESPONSE_POLICY_HEADER = 'X-Gw-Response-Policy';
/** Carries a service's response policy value from its route in `vcl_recv` to `vcl_deliver` (never sent to the backend). */
export const RESPONSE_POLICY_VALUE_HEADER = 'X-Gw-Response-Policy-Value';
/** Answered by `vcl_recv` itself with the VCL's generation: proves which VCL serves. */
export const GENERATION_PATH = '/__gwscale/generation';

/** One service as Varnish sees it (name and path checked plain by endpoint-route.ts). */
export interface VarnishServiceSpec {
  readonly serviceName: string;
  /** Index of the service in the run: backend names are `gwscale_svc_<index>` (VCL symbols allow no dots or dashes). */
  readonly index: number;
  readonly host: string;
  readonly port: number;
  /** How the path reaches the backend: as it came, behind a prefix, or replaced by an exact path. */
  readonly rewrite: { readonly kind: 'prefix'; readonly prefix: string } | { readonly kind: 'exact'; readonly path: string } | null;
}

export interface VclInput {
  readonly generation: number;
  readonly services: readonly VarnishServiceSpec[];
  /** Backend first-byte / between-bytes timeout in seconds: longer than the slowest answer the run asks for. */
  readonly backendTimeoutS: number;
}

/** The value the response policy writes: the service, and the request policy's header as the backend got it. */
export function expectedResponsePolicy(serviceName: string): string {
  return `${serviceName}; request=${serviceName}`;
}

/** The generation `vcl_recv` answers at {@link GENERATION_PATH}. */
export function generationAnswer(generation: number): string {
  return `generation-${generation}`;
}

/** A regular expression matching literal text (service names are plain, but `.` must not match anything). */
const literal = (text: string): string => text.replace(/[.]/g, '\\.');

/** The whole VCL. */
export function vclFor(input: VclInput): string {
  const out: string[] = ['vcl 4.1;', '', 'backend default none;'];
  for (const s of input.services) {
    out.push(
      `backend ${BACKEND_PREFIX}${s.index} { .host = "${s.host}"; .port = "${s.port}"; .first_byte_timeout = ${input.backendTimeoutS}s; .between_bytes_timeout = ${input.backendTimeoutS}s; }`,
    );
  }
  out.push('', 'sub vcl_recv {', `  if (req.url == "${GENERATION_PATH}") { return (synth(200, "${generationAnswer(input.generation)}")); }`);
  for (const s of input.services) {
    out.push(
      `  if (req.url ~ "^/${literal(s.serviceName)}(/|\\?|$)") {`,
      `    set req.backend_hint = ${BACKEND_PREFIX}${s.index};`,
      `    set req.http.${REQUEST_POLICY_HEADER} = "${s.serviceName}";`,
      // The response policy's value, per service; vcl_deliver writes it (one generic line, not one `if` per service:
      // a vcl_deliver with an `if` per service doubles the C that vcl.load compiles).
      `    set req.http.${RESPONSE_POLICY_VALUE_HEADER} = "${s.serviceName}; request=" + req.http.${REQUEST_POLICY_HEADER};`,
    );
    if (s.rewrite?.kind === 'prefix') out.push(`    set req.url = "${s.rewrite.prefix}" + req.url;`);
    if (s.rewrite?.kind === 'exact') out.push(`    set req.url = regsub(req.url, "^[^?]*", "${s.rewrite.path}");`);
    // SOAP is never cached: every request goes to the backend.
    out.push('    return (pass);', '  }');
  }
  out.push(
    '  return (synth(404, "Not Found"));',
    '}',
    '',
    'sub vcl_backend_fetch {',
    // The backend gets the request policy's header, not the response policy's value.
    `  unset bereq.http.${RESPONSE_POLICY_VALUE_HEADER};`,
    '}',
    '',
    'sub vcl_deliver {',
    `  if (req.http.${RESPONSE_POLICY_VALUE_HEADER}) { set resp.http.${RESPONSE_POLICY_HEADER} = req.http.${RESPONSE_POLICY_VALUE_HEADER}; }`,
    '}',
    '',
    'sub vcl_synth {',
    '  if (resp.status == 200) {',
    '    set resp.http.content-type = "text/plain";',
    '    synthetic(resp.reason);',
    '    return (deliver);',
    '  }',
    '}',
    '',
  );
  return out.join('\n');
}

/** Policies in a VCL's source as Varnish shows it (`vcl.show`): the request header and response policy value each route sets. */
export function countPolicies(source: string): { requestPolicies: number; responsePolicies: number } {
  const count = (re: RegExp): number => source.match(re)?.length ?? 0;
  return {
    requestPolicies: count(new RegExp(`set req\\.http\\.${REQUEST_POLICY_HEADER} = `, 'g')),
    responsePolicies: count(new RegExp(`set req\\.http\\.${RESPONSE_POLICY_VALUE_HEADER} = `, 'g')),
  };
}
