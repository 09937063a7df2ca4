/**
 * One request before the load, off the hot path: proves the target answers and says what it
 * answered (status, SOAP envelope or fault), so a wrong URL is one clear line instead of a run
 * of 404s.
 */
import { XMLParser } from 'fast-xml-parser';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { gatewayError, messageOf } from '../errors.js';
import { classifyError, classifyStatus } from './classify.js';
import { redactUrl } from './loopback.js';
import type { TrafficErrorKind } from './result.js';

/** What the single checking request was answered. */
export interface ProbeReport {
  readonly status: number;
  readonly contentType: string | null;
  /** The answer parsed as a SOAP envelope. */
  readonly soapEnvelope: boolean;
  /** `faultstring` (1.1) or `Reason/Text` (1.2) when the answer is a SOAP fault. */
  readonly fault: string | null;
  /** What the generator would count this answer as; null for success. */
  readonly kind: TrafficErrorKind | null;
}

const parser = new XMLParser({ removeNSPrefix: true, ignoreAttributes: true, parseTagValue: false });

function faultText(fault: Record<string, unknown>): string {
  const reason = fault.Reason as Record<string, unknown> | undefined;
  const text = fault.faultstring ?? reason?.Text ?? 'SOAP fault';
  return typeof text === 'string' ? text : JSON.stringify(text);
}

/** Reads a body as SOAP: whether it is an envelope and its fault text, if any. */
export function readSoapAnswer(body: string): { soapEnvelope: boolean; fault: string | null } {
  let doc: Record<string, unknown>;
  try {
    doc = parser.parse(body) as Record<string, unknown>;
  } catch {
    return { soapEnvelope: false, fault: null };
  }
  const envelope = doc.Envelope as Record<string, unknown> | undefined;
  if (typeof envelope !== 'object' || envelope === null) return { soapEnvelope: false, fault: null };
  const bodyElement = envelope.Body as Record<string, unknown> | undefined;
  const fault = typeof bodyElement === 'object' && bodyElement !== null ? (bodyElement.Fault as Record<string, unknown> | undefined) : undefined;
  return { soapEnvelope: true, fault: typeof fault === 'object' && fault !== null ? faultText(fault) : null };
}

/** One POST through node:http (cheap to load; this runs once, not on the hot path). */
function postOnce(
  url: URL,
  body: Buffer,
  headers: Readonly<Record<string, string>>,
  timeoutMs: number,
): Promise<{ status: number; contentType: string | null; text: string }> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      url,
      { method: 'POST', headers: { ...headers, 'content-length': String(body.byteLength) }, timeout: timeoutMs },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const contentType = res.headers['content-type'];
          resolve({ status: res.statusCode ?? 0, contentType: contentType ?? null, text: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Sends the request once and reports the answer.
 * @throws GwscaleError (gateway) when the target cannot be reached at all.
 */
export async function probeTarget(
  url: string,
  request: { body: Buffer; headers: Readonly<Record<string, string>>; timeoutMs: number; soap: boolean },
): Promise<ProbeReport> {
  let answer: { status: number; contentType: string | null; text: string };
  try {
    answer = await postOnce(new URL(url), request.body, request.headers, request.timeoutMs);
  } catch (error) {
    const kind = classifyError(error);
    throw gatewayError(`${redactUrl(url)}: the first request failed (${kind}: ${messageOf(error)})`, {
      hint: 'check that the gateway is running and --url points at its data plane',
    });
  }
  const soap = request.soap ? readSoapAnswer(answer.text) : { soapEnvelope: false, fault: null };
  const kind = soap.fault !== null && answer.status < 400 ? 'soap-fault' : classifyStatus(answer.status, request.soap ? answer.text : null);
  return { status: answer.status, contentType: answer.contentType, soapEnvelope: soap.soapEnvelope, fault: soap.fault, kind };
}

/** Warnings a probe answer deserves (empty when it looks right). */
export function probeWarnings(url: string, probe: ProbeReport, expectSoap: boolean): string[] {
  const warnings: string[] = [];
  if (probe.kind !== null)
    warnings.push(
      `the first request to ${redactUrl(url)} was answered ${probe.status}${probe.fault !== null ? ` with a SOAP fault: ${probe.fault}` : ''}: the load measures error answers`,
    );
  else if (expectSoap && !probe.soapEnvelope)
    warnings.push(`the first answer from ${redactUrl(url)} (${probe.status}, ${probe.contentType ?? 'no content type'}) is not a SOAP envelope`);
  return warnings;
}
