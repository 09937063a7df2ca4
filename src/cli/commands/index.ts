/** Every CLI command, in the order `--help` lists them. */
import { anyCommand, type CommandSpec } from '../command-spec.js';
import { runCommand } from './run.js';
import { wsdlGenerateCommand } from './wsdl-generate.js';
import { wsdlCheckCommand } from './wsdl-check.js';
import { trafficCommand } from './traffic.js';
import { analyzeCommand } from './analyze.js';
import { reportCommand } from './report.js';
import { compareCommand } from './compare.js';
import { recipeCheckCommand } from './recipe-check.js';
import { cleanupCommand } from './cleanup.js';

export const commands: readonly CommandSpec[] = [
  anyCommand(runCommand),
  anyCommand(wsdlGenerateCommand),
  anyCommand(wsdlCheckCommand),
  anyCommand(trafficCommand),
  anyCommand(analyzeCommand),
  anyCommand(reportCommand),
  anyCommand(compareCommand),
  anyCommand(recipeCheckCommand),
  anyCommand(cleanupCommand),
];
