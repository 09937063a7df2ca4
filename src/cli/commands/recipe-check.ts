/** `gwscale recipe check FILE`: check a recipe and try it once against its gateway. */
import { checkRecipeFile } from '../../api/recipe.js';
import { ExitCode } from '../../exit-codes.js';
import { defineCommand } from '../command-spec.js';
import type { OptionSpec } from '../../option-spec.js';

const options = [
  {
    key: 'adminUrl',
    kind: { type: 'string' },
    description: 'try the recipe against this running gateway instead of starting one with its start command',
    placeholder: 'URL',
    example: 'http://127.0.0.1:8001',
  },
  { key: 'allowRemote', kind: { type: 'boolean' }, default: false, description: 'allow an admin URL (and recipe URLs) that are not on loopback' },
  {
    key: 'credentialsFile',
    kind: { type: 'path' },
    description: 'JSON file {"user","password"} with the admin credentials (chmod 600); else GWSCALE_GATEWAY_USER/GWSCALE_GATEWAY_PASSWORD',
    placeholder: 'FILE',
  },
  {
    key: 'profile',
    kind: { type: 'string' },
    default: 'healthy',
    description: 'reference gateway profile, for a recipe that starts the reference gateway',
    placeholder: 'name',
  },
  {
    key: 'callTimeoutMs',
    kind: { type: 'int', min: 100, max: 3_600_000 },
    default: 30_000,
    description: 'timeout of each deployment-API call, in ms',
    placeholder: 'ms',
  },
] as const satisfies readonly OptionSpec[];

export const recipeCheckCommand = defineCommand({
  name: 'recipe check',
  summary: 'check a recipe file, then dry-run it: register one service, deploy, list it, send one request through it, read memory, remove it',
  args: [{ name: 'FILE', description: 'recipe file (JSON or YAML)' }],
  options,
  examples: ['gwscale recipe check recipes/reference.json', 'gwscale recipe check recipes/kong.yaml --admin-url http://127.0.0.1:8001'],
  async run({ options: o, args, out }) {
    await checkRecipeFile(args[0] ?? '', {
      allowRemote: o.allowRemote,
      profile: o.profile,
      callTimeoutMs: o.callTimeoutMs,
      credentialsFile: o.credentialsFile ?? null,
      ...(o.adminUrl === undefined ? {} : { adminUrl: o.adminUrl }),
      onStep: (line) => out(`${line}\n`),
    });
    out('recipe ok\n');
    return ExitCode.Ok;
  },
});
