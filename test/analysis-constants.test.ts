/** docs/analysis.md names every constant the verdict engine decides with, with the value the code uses. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as constants from '../src/analysis/constants.js';

const doc = readFileSync(new URL('../docs/analysis.md', import.meta.url), 'utf8');
const section = doc.slice(doc.indexOf('### Every constant'), doc.indexOf('###', doc.indexOf('### Every constant') + 4));
const documented = new Map([...section.matchAll(/^\| `([A-Z_]+)` \| ([^|]+) \|/gm)].map((m) => [m[1] as string, (m[2] as string).trim()]));

describe('the constants in docs/analysis.md', () => {
  it('lists every constant of src/analysis/constants.ts, and nothing else', () => {
    expect([...documented.keys()].sort()).toEqual(Object.keys(constants).sort());
  });

  it.each(Object.entries(constants))('%s has the value the code uses', (name, value) => {
    const text = Array.isArray(value) ? (value as readonly number[]).join(', ') : String(value);
    expect(documented.get(name)).toBe(text);
  });
});
