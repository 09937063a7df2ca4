/** The SOAP backend gateway services forward to: in-process or as its own process. */
export { startBackend, generatedWsdlFile, LATENCY_ROUTE, type Backend, type BackendOptions } from './soap-backend.js';
export { spawnBackend, type SpawnedBackend } from './spawn.js';
export type { BackendAnswer } from './synth-wsdl.js';
