/** Every CLI command, in the order `--help` lists them. */
import type { Command } from '../command-spec.js';
import { runCommand } from './run.js';
import { wsdlGenerateCommand } from './wsdl-generate.js';
import { wsdlCheckCommand } from './wsdl-check.js';
import { trafficCommand } from './traffic.js';
import { analyzeCommand } from './analyze.js';
import { reportCommand } from './report.js';
import { compareCommand } from './compare.js';
import { recipeCheckCommand } from './recipe-check.js';
import { cleanupCommand } from './cleanup.js';

export const commands: readonly Command[] = [
  runCommand,
  wsdlGenerateCommand,
  wsdlCheckCommand,
  trafficCommand,
  analyzeCommand,
  reportCommand,
  compareCommand,
  recipeCheckCommand,
  cleanupCommand,
];
