/**
 * The backend's control route, apart from the backend itself: the harness process only talks to a
 * backend by URL and must not load the soap package (≈0.5 s of CPU at every CLI start) to do so.
 */

/** Path of the control route that changes the latency of a running backend (`?ms=N`). */
export const LATENCY_ROUTE = '/_gwscale/latency';

/** Path of the control route that tells how many SOAP requests the backend answered (`GET`, JSON `{ "requests": N }`). */
export const REQUESTS_ROUTE = '/_gwscale/requests';
