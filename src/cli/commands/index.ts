/** Every CLI command, in the order `--help` lists them. */
import type { Command } from '../command-spec.js';
import { runCommand } from './run.js';
import { wsdlGenerateCommand } from './wsdl-generate.js';
import { wsdlCheckCommand } from './wsdl-check.js';
import { trafficCommand } from './traffic.js';
import { analyzeCommand } from './analyze.js';
import { reportCommand } from './report.js';
import { compareCommand } from './compare.js';

export const commands: readonly Command[] = [
  runCommand,
  wsdlGenerateCommand,
  wsdlCheckCommand,
  trafficCommand,
  analyzeCommand,
  reportCommand,
  compareCommand,
];
