/**
 * `gwscale wsdl generate` and `gwscale wsdl check`: write N unique WSDL services from templates,
 * and parse WSDL files into the model the harness uses.
 */
import {
  checkWsdlFiles,
  loadTemplates,
  writeServices,
  type GenerateVersion,
  type WrittenServices,
  type WsdlCheckResult,
  type WsdlWarning,
} from '../wsdl/index.js';

export {
  describeWsdl,
  formatWarning,
  DEFAULT_MAX_WSDL_BYTES,
  type GenerateVersion,
  type WrittenServices,
  type WsdlCheckResult,
  type WsdlWarning,
} from '../wsdl/index.js';

/** What `generateWsdls` writes. */
export interface GenerateWsdlsOptions {
  /** Folder to write `svc-00000.wsdl` … into; created when missing. */
  readonly outDir: string;
  readonly count: number;
  readonly version: GenerateVersion;
  readonly seed: number;
  /** Base URL of the SOAP backend; every endpoint address becomes `<base>/<serviceName>[/soap12]`. */
  readonly endpointBase: string;
  readonly startIndex: number;
  /** Folder of your own `*.wsdl` templates instead of the built-in ones. */
  readonly templatesDir?: string;
  /** Refuse templates that are read only with a warning (see docs/wsdl.md, "Recoveries"). */
  readonly strict?: boolean;
  /** Told each warning of each template once, when the templates are loaded. */
  readonly onWarning?: (warning: WsdlWarning) => void;
}

/**
 * Loads a folder of templates the way `run --wsdl DIR` will, to show their warnings once before a
 * run (or, with `strict`, refuse them). Backs the `--wsdl` check of `gwscale run`.
 * @throws GwscaleError (kind `input`) naming the file that cannot be used.
 */
export function checkWsdlTemplates(dir: string, options: { readonly strict: boolean }): WsdlWarning[] {
  return loadTemplates(dir, { strict: options.strict }).templates.flatMap((t) => t.warnings);
}

/** Generates and writes the services. Backs `gwscale wsdl generate`. */
export function generateWsdls(options: GenerateWsdlsOptions): WrittenServices {
  const templates = options.templatesDir === undefined ? undefined : loadTemplates(options.templatesDir, { strict: options.strict ?? false });
  for (const warning of templates?.templates.flatMap((t) => t.warnings) ?? []) options.onWarning?.(warning);
  return writeServices(options.outDir, {
    count: options.count,
    version: options.version,
    seed: options.seed,
    endpointBase: options.endpointBase,
    startIndex: options.startIndex,
    ...(templates === undefined ? {} : { templates }),
  });
}

/** Parses each file; one result per file, errors included. Backs `gwscale wsdl check`. */
export function checkWsdls(files: readonly string[], options: { readonly maxDocumentBytes: number; readonly strict?: boolean }): WsdlCheckResult[] {
  return checkWsdlFiles(files, { maxDocumentBytes: options.maxDocumentBytes, strict: options.strict ?? false });
}
