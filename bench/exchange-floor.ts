/**
 * The kernel's floor for one HTTP exchange on loopback: two processes, raw sockets, the smallest
 * request and answer, no parsing. The client's CPU per exchange is what any HTTP client on this
 * machine pays at least, whatever its code; at one exchange at a time it is mostly the cost of
 * waking the other process on another CPU (and of being woken), which a VM makes dear.
 *
 *   node dist/.bench/bench/exchange-floor.js '{"exchanges":20000,"connections":1}'   (prints one JSON line)
 *   node dist/.bench/bench/exchange-floor.js server                                 (the answering side)
 */
import { spawn } from 'node:child_process';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { exitWithParent } from '../src/process/parent-watch.js';
import { isMain } from './lib/check.js';
import { benchScript } from './lib/paths.js';

export interface FloorInput {
  readonly exchanges: number;
  /** Connections, each with one exchange at a time. */
  readonly connections: number;
}

export interface FloorResult {
  readonly exchanges: number;
  readonly connections: number;
  /** Client CPU (user + system) per exchange, µs. */
  readonly clientMicrosPerExchange: number;
  readonly perSecond: number;
}

const REQUEST = Buffer.from('POST /api/groups HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}', 'latin1');
const ANSWER = Buffer.from('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}', 'latin1');

function serve(): void {
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    socket.on('data', () => socket.write(ANSWER));
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
  exitWithParent(() => process.exit(0));
}

async function measure(input: FloorInput): Promise<FloorResult> {
  const server = spawn(process.execPath, [...benchScript('exchange-floor'), 'server'], { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      server.stdout.setEncoding('utf8').once('data', (line: string) => resolve(Number(line.trim())));
      server.once('exit', () => reject(new Error('the floor server exited before listening')));
    });
    const sockets: Socket[] = await Promise.all(
      Array.from(
        { length: input.connections },
        () =>
          new Promise<Socket>((resolve, reject) => {
            const s = connect({ host: '127.0.0.1', port, noDelay: true }, () => resolve(s));
            s.once('error', reject);
          }),
      ),
    );
    // Warm-up, then the measured exchanges; each connection sends its next request on each answer.
    const run = (total: number): Promise<void> =>
      new Promise((resolve) => {
        let sent = 0;
        let done = 0;
        for (const s of sockets) {
          s.removeAllListeners('data');
          s.on('data', () => {
            if (++done === total) resolve();
            else if (sent < total) {
              sent++;
              s.write(REQUEST);
            }
          });
        }
        for (const s of sockets) {
          if (sent < total) {
            sent++;
            s.write(REQUEST);
          }
        }
      });
    await run(Math.min(2_000, input.exchanges));
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await run(input.exchanges);
    const cpu = process.cpuUsage(cpu0);
    const seconds = (performance.now() - t0) / 1000;
    for (const s of sockets) s.destroy();
    return {
      exchanges: input.exchanges,
      connections: input.connections,
      clientMicrosPerExchange: (cpu.user + cpu.system) / input.exchanges,
      perSecond: input.exchanges / seconds,
    };
  } finally {
    server.kill('SIGTERM');
  }
}

if (process.argv[2] === 'server') serve();
else if (isMain(import.meta.url)) {
  exitWithParent(() => process.exit(1));
  measure(JSON.parse(process.argv[2] ?? '{}') as FloorInput).then(
    (result) => process.stdout.write(JSON.stringify(result) + '\n', () => process.exit(0)),
    (error: unknown) => {
      process.stderr.write(`exchange floor: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
