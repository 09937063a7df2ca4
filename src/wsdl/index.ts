/** The WSDL layer: parse WSDL 1.1/2.0 into one model, and generate N unique services from templates. */
export type * from './model.js';
export { parseWsdl, parseWsdlWithTree, readWsdlFile, readWsdlBytes, DEFAULT_MAX_WSDL_BYTES, type ParseWsdlOptions, type ParsedWsdl } from './parse.js';
export {
  createServiceGenerator,
  generateService,
  generateServices,
  serviceNames,
  GENERATED_NAMESPACE_BASE,
  type GenerateOptions,
  type GenerateManyOptions,
  type GenerateVersion,
  type ServiceGenerator,
} from './generate.js';
export {
  builtinTemplates,
  builtinTemplateDir,
  compileTemplate,
  loadTemplates,
  renderTemplate,
  serviceNameFor,
  type TemplateSet,
  type WsdlTemplate,
  type TemplateEndpoint,
  type TemplatePiece,
  type TemplateValues,
} from './template.js';
export { checkWsdlFiles, type WsdlCheckResult } from './check.js';
export { formatWarning } from './recoveries.js';
export { MAX_IMPORT_DEPTH, MAX_IMPORTED_DOCUMENTS } from './local-imports.js';
export { describeWsdl } from './describe.js';
export { writeServices, type WrittenServices } from './write-services.js';
