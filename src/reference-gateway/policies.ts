/**
 * The policy library: named request and response policies made of small actions, the built-in
 * ones every gateway starts with, and their compiled (runnable) form the data plane executes.
 */
import { XMLValidator } from 'fast-xml-parser';
import { z } from 'zod';
import { escapeXml } from '../soap/message.js';
import {
  REQUEST_POLICY_ADD_HEADER,
  REQUEST_POLICY_HEADER,
  REQUEST_POLICY_VALIDATE,
  RESPONSE_POLICY_ADD_HEADER,
  RESPONSE_POLICY_HEADER,
  RESPONSE_POLICY_SOAP_HEADER,
  RESPONSE_POLICY_STRIP,
} from './protocol.js';

export type PolicyDirection = 'request' | 'response';

/** One step of a policy. Every policy also records its name in `X-Gw-Request-Policy` / `X-Gw-Response-Policy`. */
export type PolicyAction =
  | { readonly type: 'add-header'; readonly name: string; readonly value: string }
  | { readonly type: 'validate-envelope' }
  | { readonly type: 'strip-headers'; readonly prefixes: readonly string[] }
  | { readonly type: 'add-soap-header'; readonly element: string; readonly namespace: string; readonly value: string };

export interface PolicyDefinition {
  readonly name: string;
  readonly direction: PolicyDirection;
  readonly actions: readonly PolicyAction[];
  readonly builtIn: boolean;
}

/** Policies every reference gateway starts with; they cannot be replaced. */
export const builtInPolicies: readonly PolicyDefinition[] = [
  { name: REQUEST_POLICY_ADD_HEADER, direction: 'request', builtIn: true, actions: [{ type: 'add-header', name: 'X-Gw-Request', value: 'gwscale-reference' }] },
  { name: REQUEST_POLICY_VALIDATE, direction: 'request', builtIn: true, actions: [{ type: 'validate-envelope' }] },
  {
    name: RESPONSE_POLICY_ADD_HEADER,
    direction: 'response',
    builtIn: true,
    actions: [{ type: 'add-header', name: 'X-Gw-Response', value: 'gwscale-reference' }],
  },
  {
    name: RESPONSE_POLICY_STRIP,
    direction: 'response',
    builtIn: true,
    actions: [{ type: 'strip-headers', prefixes: ['x-backend-', 'server', 'x-powered-by'] }],
  },
  {
    name: RESPONSE_POLICY_SOAP_HEADER,
    direction: 'response',
    builtIn: true,
    actions: [{ type: 'add-soap-header', element: 'Processed', namespace: 'urn:gwscale:gateway', value: 'gwscale-reference' }],
  },
];

/** True when text holds a C0 control character (they cannot travel in headers or XML attributes). */
export const hasControlCharacter = (text: string): boolean => [...text].some((c) => c.charCodeAt(0) < 0x20);

const headerName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/, 'an HTTP header name');
const headerValue = z
  .string()
  .max(1000)
  .regex(/^[\t\x20-\x7e]*$/, 'printable ASCII');
const xmlName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,100}$/, 'an XML local name');

const actionSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('add-header'), name: headerName, value: headerValue }),
  z.object({ type: z.literal('validate-envelope') }),
  z.object({
    type: z.literal('strip-headers'),
    prefixes: z
      .array(
        z
          .string()
          .min(1)
          .max(100)
          .regex(/^[a-z0-9-]+$/, 'lower-case header name prefix'),
      )
      .min(1)
      .max(20),
  }),
  z.object({ type: z.literal('add-soap-header'), element: xmlName, namespace: z.string().min(1).max(500), value: z.string().max(1000) }),
]);

/** Body of `POST /api/policies`. */
export const policyRequestSchema = z.object({
  name: z
    .string()
    .min(1)
    .max(200)
    .refine((n) => !hasControlCharacter(n) && !n.includes(','), 'no control characters or commas'),
  direction: z.enum(['request', 'response']),
  actions: z.array(actionSchema).min(1).max(20),
});

/** True when two definitions do the same thing (a repeated create is then a no-op). */
export function samePolicy(a: PolicyDefinition, b: Omit<PolicyDefinition, 'builtIn'>): boolean {
  return a.name === b.name && a.direction === b.direction && JSON.stringify(a.actions) === JSON.stringify(b.actions);
}

/** A SOAP message in flight through the gateway, as the policies see it. */
export interface MessageContext {
  /** Header names in lower case. */
  readonly headers: Record<string, string>;
  body: string;
  /** Set by a policy that refuses the message: the data plane answers with a SOAP fault. */
  rejection: { readonly status: number; readonly reason: string } | null;
}

export type CompiledPolicy = (message: MessageContext) => void;

const appendHeader = (headers: Record<string, string>, name: string, value: string): void => {
  const old = headers[name];
  headers[name] = old === undefined || old === '' ? value : `${old}, ${value}`;
};

const envelopeNamespaces = new Set(['http://schemas.xmlsoap.org/soap/envelope/', 'http://www.w3.org/2003/05/soap-envelope']);

/** Checks a SOAP envelope: well-formed XML, root `Envelope` in a SOAP namespace, a `Body`. */
export function envelopeProblem(body: string): string | null {
  const valid = XMLValidator.validate(body);
  if (valid !== true) return `not well-formed XML (line ${valid.err.line}: ${valid.err.msg})`;
  const root = /<(?:([A-Za-z_][\w.-]*):)?Envelope\b([^>]*)>/.exec(body);
  if (!root) return 'the root element is not a SOAP Envelope';
  const prefix = root[1];
  const nsAttr = prefix === undefined ? 'xmlns' : `xmlns:${prefix}`;
  const ns = new RegExp(`\\s${nsAttr.replace('.', '\\.')}\\s*=\\s*["']([^"']*)["']`).exec(root[2] ?? '')?.[1];
  if (ns === undefined || !envelopeNamespaces.has(ns)) return 'the Envelope is not in a SOAP 1.1 or 1.2 namespace';
  const bodyTag = prefix === undefined ? 'Body' : `${prefix}:Body`;
  if (!body.includes(`<${bodyTag}`)) return 'the Envelope has no Body';
  return null;
}

/** Inserts an element into the envelope's SOAP Header, creating the Header when there is none. */
export function addSoapHeaderElement(envelope: string, element: string, namespace: string, value: string): string {
  const root = /<(?:([A-Za-z_][\w.-]*):)?Envelope\b[^>]*?(\/?)>/.exec(envelope);
  if (!root || root[2] === '/') return envelope;
  const p = root[1] === undefined ? '' : `${root[1]}:`;
  const entry = `<gw:${element} xmlns:gw="${escapeXml(namespace)}">${escapeXml(value)}</gw:${element}>`;
  const header = new RegExp(`<${p}Header\\b[^>]*?(/?)>`).exec(envelope);
  if (header) {
    const at = header.index + header[0].length;
    if (header[1] === '/') return `${envelope.slice(0, header.index)}<${p}Header>${entry}</${p}Header>${envelope.slice(at)}`;
    return envelope.slice(0, at) + entry + envelope.slice(at);
  }
  const at = root.index + root[0].length;
  return `${envelope.slice(0, at)}<${p}Header>${entry}</${p}Header>${envelope.slice(at)}`;
}

/** Turns a definition into the function the data plane runs on each message. */
export function compilePolicy(policy: PolicyDefinition): CompiledPolicy {
  const marker = policy.direction === 'request' ? REQUEST_POLICY_HEADER : RESPONSE_POLICY_HEADER;
  const steps: CompiledPolicy[] = policy.actions.map((action): CompiledPolicy => {
    switch (action.type) {
      case 'add-header': {
        const name = action.name.toLowerCase();
        return (m) => {
          m.headers[name] = action.value;
        };
      }
      case 'validate-envelope':
        return (m) => {
          const problem = envelopeProblem(m.body);
          if (problem !== null) m.rejection = { status: 400, reason: `${policy.name}: ${problem}` };
        };
      case 'strip-headers':
        return (m) => {
          for (const name of Object.keys(m.headers)) {
            if (action.prefixes.some((prefix) => name.startsWith(prefix))) delete m.headers[name];
          }
        };
      case 'add-soap-header':
        return (m) => {
          m.body = addSoapHeaderElement(m.body, action.element, action.namespace, action.value);
        };
    }
  });
  return (m) => {
    for (const step of steps) {
      step(m);
      if (m.rejection) return;
    }
    appendHeader(m.headers, marker, policy.name);
  };
}
