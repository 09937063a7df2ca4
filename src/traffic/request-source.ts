/**
 * What `gwscale traffic` sends: a SOAP request built from a WSDL operation, or a body file as given.
 * Reads files (the edge of the traffic layer); errors name the file and what to do.
 */
import { readFileSync } from 'node:fs';
import { inputError, messageOf, usageError } from '../errors.js';
import type { SoapVersion } from '../soap/envelope.js';

/** The flags that say what to send. */
export interface RequestSourceOptions {
  readonly wsdl: string | null;
  readonly operation: string | null;
  readonly soapVersion: SoapVersion | null;
  readonly body: string | null;
  readonly contentType: string | null;
}

/** A request ready to send: body pre-encoded, headers set. */
export interface LoadedRequest {
  /** `soap` senders tell SOAP faults apart from HTTP errors. */
  readonly kind: 'http' | 'soap';
  readonly body: Buffer;
  readonly headers: Readonly<Record<string, string>>;
  /** One line for summaries, e.g. `SOAP 1.1 GetQuote from quote.wsdl`. */
  readonly description: string;
}

/** Largest body file sent (a request body is not a data set). */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

function readBody(path: string): Buffer {
  let body: Buffer;
  try {
    body = readFileSync(path);
  } catch (error) {
    throw inputError(`--body ${path}: cannot read the file (${messageOf(error)})`);
  }
  if (body.byteLength > MAX_BODY_BYTES)
    throw inputError(`--body ${path}: ${body.byteLength} bytes is over the ${MAX_BODY_BYTES}-byte limit for a request body`);
  return body;
}

/** A SOAP body file's content type says which SOAP version it is. */
const isSoapContentType = (contentType: string): boolean => /^(text\/xml|application\/soap\+xml)\b/i.test(contentType.trim());

/**
 * Builds the request from `--wsdl FILE --operation NAME` or `--body FILE [--content-type T]`.
 * @throws GwscaleError (usage) for a wrong combination, (input) for an unreadable or invalid file.
 */
export async function loadRequest(options: RequestSourceOptions): Promise<LoadedRequest> {
  if (options.wsdl !== null && options.body !== null) throw usageError('give either --wsdl FILE --operation NAME or --body FILE, not both');
  if (options.wsdl !== null) {
    if (options.operation === null) throw usageError(`--wsdl ${options.wsdl} needs --operation NAME`, 'gwscale wsdl check FILE lists the operations');
    if (options.contentType !== null) throw usageError('--content-type applies to --body; a WSDL operation sets its own SOAP content type');
    // The WSDL layer is loaded only when a WSDL is given.
    const [{ parseWsdlWithTree, readWsdlBytes }, { soapMessageFor }] = await Promise.all([import('../wsdl/index.js'), import('./wsdl-message.js')]);
    const bytes = readWsdlBytes(options.wsdl);
    const parsed = parseWsdlWithTree(bytes, options.wsdl);
    const message = soapMessageFor(parsed.document, parsed.text, options.operation, options.soapVersion ?? undefined);
    return {
      kind: 'soap',
      body: Buffer.from(message.envelope, 'utf8'),
      headers: message.headers,
      description: `SOAP ${message.soapVersion} ${message.operation} from ${options.wsdl}`,
    };
  }
  if (options.operation !== null) throw usageError('--operation needs --wsdl FILE');
  if (options.soapVersion !== null) throw usageError('--soap-version applies to --wsdl; for --body set --content-type');
  if (options.body === null)
    throw usageError(
      'nothing to send: give --wsdl FILE --operation NAME, or --body FILE',
      'e.g. gwscale traffic --url http://127.0.0.1:8080/quote --body request.xml --content-type "text/xml; charset=utf-8"',
    );
  const body = readBody(options.body);
  const contentType = options.contentType ?? 'text/xml; charset=utf-8';
  return {
    kind: isSoapContentType(contentType) ? 'soap' : 'http',
    body,
    headers: { 'content-type': contentType },
    description: `${body.byteLength}-byte body from ${options.body} (${contentType})`,
  };
}
