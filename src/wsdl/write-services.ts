/** `gwscale wsdl generate`: writes generated services to a folder one at a time (never all in memory). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inputError, messageOf } from '../errors.js';
import type { WsdlVersion } from './model.js';
import { createServiceGenerator, type GenerateManyOptions } from './generate.js';

/** What was written. */
export interface WrittenServices {
  readonly outDir: string;
  readonly count: number;
  readonly firstFile: string | null;
  readonly lastFile: string | null;
  readonly countByVersion: Readonly<Record<WsdlVersion, number>>;
  readonly totalBytes: number;
}

/** Generates and writes `count` WSDL files (`svc-00000.wsdl` …) into `outDir`, creating it. Backs `gwscale wsdl generate`. */
export function writeServices(outDir: string, options: GenerateManyOptions): WrittenServices {
  const generate = createServiceGenerator(options);
  const start = options.startIndex ?? 0;
  try {
    mkdirSync(outDir, { recursive: true });
  } catch (error) {
    throw inputError(`${outDir}: cannot create the output folder (${messageOf(error)})`);
  }
  const countByVersion: Record<WsdlVersion, number> = { '1.1': 0, '2.0': 0 };
  let totalBytes = 0;
  let firstFile: string | null = null;
  let lastFile: string | null = null;
  for (let index = start; index < start + options.count; index++) {
    const spec = generate(index);
    const path = join(outDir, spec.fileName);
    try {
      writeFileSync(path, spec.wsdlText);
    } catch (error) {
      throw inputError(`${path}: cannot write the file (${messageOf(error)})`);
    }
    countByVersion[spec.version]++;
    totalBytes += Buffer.byteLength(spec.wsdlText);
    firstFile ??= spec.fileName;
    lastFile = spec.fileName;
  }
  return { outDir, count: options.count, firstFile, lastFile, countByVersion, totalBytes };
}
