import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { commands } from '../src/cli/commands/index.js';
import { commandsMarkdown } from '../src/cli/usage-doc.js';

describe('README', () => {
  it('carries the command reference generated from the option tables (run `npm run docs` when this fails)', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(commandsMarkdown(commands));
  });

  it('documents every exit code the CLI uses', async () => {
    const { ExitCode } = await import('../src/exit-codes.js');
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const code of Object.values(ExitCode).filter((v): v is number => typeof v === 'number')) {
      expect(readme).toMatch(new RegExp(`^\\| ${code} \\|`, 'm'));
    }
  });
});
