/** A valid set of traffic options (a burst against one URL) that tests vary one field at a time. */
import { trafficOptionsFor, type TrafficOptions } from '../../src/traffic/options.js';

export const baseTrafficOptions: TrafficOptions = trafficOptionsFor('http://127.0.0.1:8080/x', { body: 'b.xml' });
