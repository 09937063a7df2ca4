/** Apache Tomcat as a gwscale target. */
export {
  createTomcatAdapter,
  contextNameFor,
  tomcatJvmArgs,
  DEFAULT_REDEPLOY_MODE,
  DEFAULT_TOMCAT_HEAP_MB,
  TOMCAT_INSTALL_COMMAND,
  VERIFY_FORWARDED_FOR,
  type TomcatOptions,
} from './adapter.js';
export { buildServiceWar, CLIENT_ADDRESS_HEADER, type ServiceWarInput, type WarOperation } from './war.js';
