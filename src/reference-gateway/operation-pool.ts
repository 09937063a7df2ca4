/**
 * The `operation-pool` behaviour (the WebSphere case): per web-service operation, a pool of costly
 * client objects that grows to the highest number of requests that operation ever had in flight
 * and is never expunged. Leak-like, but bounded by the peak concurrency.
 */

/** A costly per-call client: its scratch state lives on the V8 heap, so heap-after-GC sees it. */
interface PooledClient {
  readonly id: number;
  readonly operation: string;
  readonly createdAt: number;
  /** Stand-in for the serializers, buffers and metadata a real SOAP client caches. */
  readonly scratch: number[];
  readonly headers: Record<string, string>;
  uses: number;
}

interface Pool {
  readonly free: PooledClient[];
  size: number;
}

export interface PoolLease {
  release(): void;
}

export class OperationPools {
  private readonly pools = new Map<string, Pool>();
  private readonly slotsPerClient: number;
  private nextId = 1;

  /** @param clientBytes approximate heap each client holds (8 bytes per scratch slot). */
  constructor(clientBytes: number) {
    this.slotsPerClient = Math.max(1, Math.round(clientBytes / 8));
  }

  /** Takes a free client of the operation, or creates one when all are busy (the pool grows). */
  acquire(operation: string): PoolLease {
    let pool = this.pools.get(operation);
    if (pool === undefined) {
      pool = { free: [], size: 0 };
      this.pools.set(operation, pool);
    }
    let client = pool.free.pop();
    if (client === undefined) {
      // Doubles, not small integers: every slot is a distinct heap value, as real cached state is.
      const scratch = new Array<number>(this.slotsPerClient);
      for (let i = 0; i < scratch.length; i++) scratch[i] = i + 0.5;
      client = { id: this.nextId++, operation, createdAt: Date.now(), scratch, headers: { 'x-client-id': String(this.nextId) }, uses: 0 };
      pool.size++;
    }
    client.uses++;
    const owner = pool;
    const leased = client;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        owner.free.push(leased);
      },
    };
  }

  /** Clients held over all operations. */
  get clients(): number {
    let n = 0;
    for (const pool of this.pools.values()) n += pool.size;
    return n;
  }
}
