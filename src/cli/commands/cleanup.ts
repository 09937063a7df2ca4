/** `gwscale cleanup RUN_DIR`: remove what an attached run registered on the gateway and left there. */
import { cleanupRun } from '../../api/recipe.js';
import { ExitCode } from '../../exit-codes.js';
import { defineCommand } from '../command-spec.js';
import type { OptionSpec } from '../../option-spec.js';

const options = [
  {
    key: 'credentialsFile',
    kind: { type: 'path' },
    description: 'JSON file {"user","password"} with the admin credentials (chmod 600); else GWSCALE_GATEWAY_USER/GWSCALE_GATEWAY_PASSWORD',
    placeholder: 'FILE',
  },
] as const satisfies readonly OptionSpec[];

export const cleanupCommand = defineCommand({
  name: 'cleanup',
  summary: 'remove every service an attached run (--attach) registered and did not remove, as its run log lists them',
  args: [{ name: 'RUN_DIR', description: 'run folder of a gwscale run --attach (holds run.jsonl)' }],
  options,
  examples: ['gwscale cleanup reports/2025-01-02T10-00-00-recipe-kong-healthy'],
  async run({ options: o, args, out, err }) {
    const outcome = await cleanupRun(args[0] ?? '.', { credentialsFile: o.credentialsFile ?? null });
    out(`removed ${outcome.removed} services${outcome.failed > 0 ? `, ${outcome.failed} failed` : ''}\n`);
    for (const failure of outcome.failures) err(`  ${failure}\n`);
    return outcome.failed > 0 ? ExitCode.Gateway : ExitCode.Ok;
  },
});
