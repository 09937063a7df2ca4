/** The reference target: the embedded reference gateway, spawned and driven through its deployment API. */
export { createReferenceAdapter, type ReferenceAdapterOptions } from './adapter.js';
