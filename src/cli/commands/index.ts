/** Every CLI command, in the order `--help` lists them. */
import type { CommandSpec } from '../command-spec.js';

export const commands: readonly CommandSpec[] = [];
