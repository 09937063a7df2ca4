/**
 * The fixed bench target: a minimal HTTP/1.1 server on loopback that answers every request with the
 * same SOAP response. It frames requests by Content-Length itself (no `http` module) so the target
 * costs little CPU and the generators, not the target, decide the numbers.
 *
 * Runs as its own process: prints `{"port":N}` on stdout when listening; exits on SIGTERM or when
 * stdin closes (so it never outlives the bench).
 */
import { createServer, type Socket } from 'node:net';

const soapResponse =
  '<?xml version="1.0" encoding="utf-8"?>' +
  '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">' +
  '<soapenv:Body><ns:GetQuoteResponse xmlns:ns="urn:gwscale:bench"><ns:price>42.00</ns:price></ns:GetQuoteResponse></soapenv:Body>' +
  '</soapenv:Envelope>';

const response = Buffer.from(
  'HTTP/1.1 200 OK\r\n' +
    'Content-Type: text/xml; charset=utf-8\r\n' +
    `Content-Length: ${Buffer.byteLength(soapResponse)}\r\n` +
    'Connection: keep-alive\r\n' +
    '\r\n' +
    soapResponse,
);

const headerEnd = Buffer.from('\r\n\r\n');
const contentLengthPattern = /\r\ncontent-length:[ \t]*(\d+)/i;

function serve(socket: Socket): void {
  socket.setNoDelay(true);
  let pending: Buffer | null = null;
  socket.on('data', (chunk: Buffer) => {
    let data = pending === null ? chunk : Buffer.concat([pending, chunk]);
    let answers = 0;
    for (;;) {
      const end = data.indexOf(headerEnd);
      if (end < 0) break;
      const match = contentLengthPattern.exec(data.toString('latin1', 0, end));
      const total = end + 4 + (match ? Number(match[1]) : 0);
      if (data.length < total) break;
      answers++;
      data = data.subarray(total);
    }
    pending = data.length > 0 ? data : null;
    // Pipelined requests get one write holding all their answers.
    if (answers === 1) socket.write(response);
    else if (answers > 1) socket.write(Buffer.concat(Array.from({ length: answers }, () => response)));
  });
  socket.on('error', () => socket.destroy());
}

const server = createServer(serve);
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  process.stdout.write(JSON.stringify({ port, pid: process.pid }) + '\n');
});

const stop = (): void => {
  server.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
