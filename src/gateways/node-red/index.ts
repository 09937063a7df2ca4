export { createNodeRedAdapter, type NodeRedOptions } from './adapter.js';
export {
  cacheDir,
  CACHE_DIR_ENV,
  checkVersionSpec,
  compareVersions,
  DEFAULT_NODE_RED_VERSION,
  ensureNodeRed,
  pinnedResumeVersion,
  satisfiesMinimum,
  versionMatches,
  type NodeRedInstall,
} from './install.js';
export { countOwnTabs, expectedResponsePolicy, serviceTab, TAB_PREFIX } from './flows.js';
export { nodeRedSettings } from './settings.js';
