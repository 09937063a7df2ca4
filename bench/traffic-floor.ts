/**
 * The Node.js floor for the traffic bench: the least a Node process can spend per request on this
 * machine. C keep-alive connections on raw sockets (net's `onread` into one buffer), each sending
 * one fixed request as soon as its answer is in; answers are framed by counting bytes against the
 * length of the first one (the fixed target always sends the same answer). No parsing, timing,
 * histogram or error handling: what is left is the runtime's cost (event loop, stream write, the
 * call into JavaScript per read) and the kernel's, which every Node generator pays. gwscale ÷ this
 * floor is what gwscale's own code costs; the floor ÷ wrk is what the runtime costs against C.
 *
 *   node dist/.bench/bench/traffic-floor.js '{"url":"http://127.0.0.1:P/x","connections":10,"seconds":6,"body":"…","contentType":"…"}'
 *
 * Prints one JSON line: `{"requests":N,"seconds":S,"sendingCpuSeconds":C}`, C being the process's
 * CPU from the first connect to the stop (start-up excluded, as gwscale's own figure is).
 */
import { connect } from 'node:net';
import { isMain } from './lib/check.js';

export interface TrafficFloorInput {
  readonly url: string;
  readonly connections: number;
  readonly seconds: number;
  readonly body: string;
  readonly contentType: string;
}

const HEAD_END = Buffer.from('\r\n\r\n');

/** Length of a whole answer from the first bytes read: head, blank line, Content-Length body. */
function answerLength(first: Buffer): number {
  const end = first.indexOf(HEAD_END);
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(first.toString('latin1', 0, end));
  if (end < 0 || length === null) throw new Error('the floor client needs answers with Content-Length in their first read');
  return end + 4 + Number(length[1]);
}

function run(input: TrafficFloorInput): void {
  const url = new URL(input.url);
  const body = Buffer.from(input.body);
  const request = Buffer.concat([
    Buffer.from(
      `POST ${url.pathname} HTTP/1.1\r\nhost: ${url.host}\r\ncontent-type: ${input.contentType}\r\ncontent-length: ${body.byteLength}\r\n\r\n`,
      'latin1',
    ),
    body,
  ]);
  const readBuffer = Buffer.allocUnsafe(64 * 1024);
  let answerBytes = 0;
  let requests = 0;
  let stopping = false;
  const started = performance.now();
  const cpuAtStart = process.cpuUsage();
  for (let i = 0; i < input.connections; i++) {
    let pending = 0;
    const socket = connect({
      host: url.hostname,
      port: Number(url.port),
      noDelay: true,
      onread: {
        buffer: readBuffer,
        callback: (bytes: number): boolean => {
          if (answerBytes === 0) answerBytes = answerLength(readBuffer.subarray(0, bytes));
          pending += bytes;
          if (pending < answerBytes) return true;
          pending -= answerBytes;
          requests++;
          if (stopping) socket.destroy();
          else socket.write(request);
          return true;
        },
      },
    });
    socket.on('error', (error) => {
      process.stderr.write(`traffic floor: ${error.message}\n`);
      process.exit(1);
    });
    socket.write(request);
  }
  setTimeout(() => {
    stopping = true;
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuAtStart);
    const sendingCpuSeconds = (cpu.user + cpu.system) / 1e6;
    process.stdout.write(JSON.stringify({ requests, seconds, sendingCpuSeconds }) + '\n', () => process.exit(0));
  }, input.seconds * 1000);
}

if (isMain(import.meta.url)) run(JSON.parse(process.argv[2] ?? '{}') as TrafficFloorInput);
