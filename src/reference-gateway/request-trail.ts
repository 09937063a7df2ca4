/**
 * The `request-leak` behaviour: an audit trail that keeps a record of every request the data plane
 * served (when, which operation, its SOAP action, a copy of its body, and per-request scratch state
 * on the V8 heap) and is never trimmed, as a tracing or audit interceptor that forgets to drop
 * finished exchanges does. Memory after GC grows with the requests served, so repeating a traffic
 * step keeps adding: a leak under traffic, unlike the operation pool, which levels off at the
 * highest concurrency.
 */

interface TrailRecord {
  readonly at: number;
  readonly operation: string;
  readonly action: string | null;
  readonly body: string;
  /** Stand-in for the per-exchange state a tracer keeps (spans, header maps, timings). */
  readonly scratch: number[];
}

export class RequestTrail {
  private readonly records: TrailRecord[] = [];
  private readonly slotsPerRecord: number;

  /** @param recordBytes approximate heap each record's scratch holds (8 bytes per slot). */
  constructor(recordBytes: number) {
    this.slotsPerRecord = Math.max(1, Math.round(recordBytes / 8));
  }

  /** Keeps one served request, forever. */
  keep(operation: string, action: string | null, body: string): void {
    // Doubles, not small integers: every slot is a distinct heap value, as real kept state is.
    const scratch = new Array<number>(this.slotsPerRecord);
    for (let i = 0; i < scratch.length; i++) scratch[i] = i + 0.5;
    // A copy, not a slice that could share the request's backing string.
    this.records.push({ at: Date.now(), operation, action, body: (' ' + body).slice(1), scratch });
  }

  /** Records held. */
  get size(): number {
    return this.records.length;
  }
}
