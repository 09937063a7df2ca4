/** What the version readers get: the main root, the local documents it imports, and where to note recoveries. */
import type { ImportedDocument } from './local-imports.js';
import type { WsdlReference } from './model.js';
import type { Recoveries } from './recoveries.js';
import type { XmlElement } from './xml-tree.js';

export interface ReadDocumentParts {
  readonly root: XmlElement;
  readonly source: string;
  /** Local WSDL documents of the same version that the main one imports or includes (followed). */
  readonly imported: readonly ImportedDocument[];
  readonly references: readonly WsdlReference[];
  /** True when some WSDL import or include was not read (remote, outside the folder, missing). */
  readonly unreadDefinitions: boolean;
  readonly recoveries: Recoveries;
}
