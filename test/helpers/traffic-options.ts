/** A valid set of traffic options (a burst against one URL) that tests vary one field at a time. */
import type { TrafficOptions } from '../../src/traffic/options.js';

export const baseTrafficOptions: TrafficOptions = {
  url: 'http://127.0.0.1:8080/x',
  wsdl: null,
  operation: null,
  soapVersion: null,
  body: 'b.xml',
  contentType: null,
  mode: 'burst',
  connections: 10,
  httpClient: 'socket',
  requests: null,
  ratePerSec: null,
  durationMs: null,
  warmup: null,
  workers: 1,
  timeoutMs: 10_000,
  maxInFlight: 1000,
  intervalMs: 10_000,
  allowRemote: false,
};
