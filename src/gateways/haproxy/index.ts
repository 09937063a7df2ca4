/** HAProxy as a gwscale target. */
export { createHaproxyAdapter, haproxyVersion, HAPROXY_INSTALL_COMMAND, type HaproxyOptions } from './adapter.js';
export {
  BACKEND_PREFIX,
  expectedResponsePolicy,
  haproxyConfig,
  haproxyServiceFor,
  REQUEST_POLICY_HEADER,
  RESPONSE_POLICY_HEADER,
  type HaproxyServiceSpec,
} from './config.js';
export { masterCommand, parseShowBackend, parseShowProc, type HaproxyProcesses } from './master-cli.js';
