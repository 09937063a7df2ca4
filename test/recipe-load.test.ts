/**
 * Recipe files: the templating language, the selectors, and one line per mistake naming the file
 * and the JSON path of the field (what a person writing a recipe for their gateway sees first).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRecipe, parseRecipe } from '../src/gateways/recipe/load.js';
import { checkNames, parseTemplate, renderText, renderValue, TemplateError } from '../src/gateways/recipe/template.js';
import { selectCount, selectOne, SelectorError } from '../src/gateways/recipe/selector.js';
import { GwscaleError } from '../src/errors.js';
import { gwscale } from './helpers/cli.js';
import { tempDir } from './helpers/temp-dir.js';

const dir = tempDir('gwscale-recipe-load-');

describe('templates', () => {
  it('renders names and filters, and keeps the type of a lone placeholder', () => {
    const values = { 'service.name': 'Quote Svc', 'service.index': 7, 'wsdl.text': '<a b="1"/>' };
    expect(renderText(parseTemplate('/g/{{service.name | url}}/{{ service.index }}'), values)).toBe('/g/Quote%20Svc/7');
    expect(renderText(parseTemplate('{"w": {{wsdl.text | json}}}'), values)).toBe('{"w": "<a b=\\"1\\"/>"}');
    expect(renderText(parseTemplate('<x>{{wsdl.text | xml}}</x>'), values)).toBe('<x>&lt;a b=&quot;1&quot;/&gt;</x>');
    expect(renderValue(parseTemplate('{{service.index}}'), values)).toBe(7);
    expect(renderValue(parseTemplate('n{{service.index}}'), values)).toBe('n7');
  });

  it('evaluates nothing: an expression is not a name', () => {
    expect(() => parseTemplate('{{ process.exit(1) }}')).toThrow(TemplateError);
    expect(() => parseTemplate('{{a + b}}')).toThrow(/does not name a value/);
  });

  it('checks names against what the field allows, prefixes included', () => {
    expect(() => checkNames(parseTemplate('{{capture.id}}'), ['capture.'])).not.toThrow();
    expect(() => checkNames(parseTemplate('{{service.nam}}'), ['service.name'])).toThrow('unknown value "{{service.nam}}" (allowed: service.name)');
  });
});

describe('selectors', () => {
  const answer = { data: [{ id: 'a' }, { id: 'b' }], total: 2, active: null, store: { services: 3 }, next: null };

  it('counts an array, a number, or the matches, taking the first selector that matches', () => {
    expect(selectCount(['$.data'], answer)).toBe(2);
    expect(selectCount(['$.total'], answer)).toBe(2);
    expect(selectCount(['$.data[*].id'], answer)).toBe(2);
    expect(selectCount(['$.active.services', '$.store.services'], answer)).toBe(3);
    expect(() => selectCount(['$.nothing'], answer)).toThrow('selector "$.nothing" matched nothing in the answer');
  });

  it('captures exactly one scalar', () => {
    expect(selectOne('$.data[0].id', answer)).toBe('a');
    expect(() => selectOne('$.data[*].id', answer)).toThrow('matched 2 values');
  });

  it('refuses script and filter expressions instead of running them', () => {
    expect(() => selectCount(['$.data[?(@.id == "a")]'], answer)).toThrow(SelectorError);
  });
});

/** A recipe that loads; each bad case changes one thing in it. */
const good = (): Record<string, unknown> => ({
  name: 'demo',
  adminUrl: 'http://127.0.0.1:8001',
  dataUrl: 'http://127.0.0.1:8000',
  register: [{ method: 'PUT', path: '/services/{{service.name | url}}', body: { url: '{{backend.address}}' }, capture: { id: '$.id' } }],
  attach: [{ method: 'POST', path: '/services/{{capture.id}}/plugins', body: { name: 'request-transformer' } }],
  deploy: 'none',
  list: { call: { method: 'GET', path: '/services' }, services: '$.data' },
  remove: [{ method: 'DELETE', path: '/services/{{capture.id}}' }],
  route: '/{{service.name}}',
  memory: [{ kind: 'process', pidFile: '/run/demo.pid' }],
});

type Mutate = (r: Record<string, unknown>) => void;
const at = (r: Record<string, unknown>, key: string): Record<string, unknown> => {
  const v = r[key];
  return (Array.isArray(v) ? v[0] : v) as Record<string, unknown>;
};

const badRecipes: { what: string; mutate: Mutate; line: string }[] = [
  {
    what: 'an unknown top-level key',
    mutate: (r) => (r['deploymnet'] = 'none'),
    line: '$: unknown key "deploymnet" (allowed: name, description, adminUrl, dataUrl, auth',
  },
  {
    what: 'an unknown key in a call',
    mutate: (r) => (at(r, 'register')['bdy'] = {}),
    line: '$.register[0]: unknown key "bdy" (allowed: method, path, body, bodyText, contentType, headers, expect, capture)',
  },
  {
    what: 'a method the API has not',
    mutate: (r) => (at(r, 'register')['method'] = 'FETCH'),
    line: '$.register[0].method: expected one of "GET"|"POST"|"PUT"|"PATCH"|"DELETE" (allowed: "GET", "POST", "PUT", "PATCH", "DELETE")',
  },
  {
    what: 'a template naming an unknown value',
    mutate: (r) => (at(r, 'register')['path'] = '/services/{{service.nam}}'),
    line: '$.register[0].path: unknown value "{{service.nam}}" (allowed: admin.url',
  },
  {
    what: 'a capture used before the call that makes it',
    mutate: (r) => (at(r, 'register')['path'] = '/services/{{capture.id}}'),
    line: '$.register[0].path: unknown value "{{capture.id}}"',
  },
  {
    what: 'an unknown filter',
    mutate: (r) => (r['route'] = '/{{service.name | upper}}'),
    line: '$.route: unknown filter "upper" in {{service.name | upper}} (allowed: json, url, xml)',
  },
  {
    what: 'an unclosed placeholder',
    mutate: (r) => (at(r, 'attach')['path'] = '/services/{{capture.id/plugins'),
    line: '$.attach[0].path: "{{" at character 10 has no closing "}}"',
  },
  {
    what: 'an unknown memory source kind',
    mutate: (r) => (r['memory'] = [{ kind: 'heapdump' }]),
    line: '$.memory[0].kind: not a known kind (allowed: json, prometheus, jolokia, v8-inspector, process)',
  },
  { what: 'a missing required field', mutate: (r) => delete r['route'], line: '$.route: expected string, but it is missing' },
  {
    what: 'a selector with a script filter',
    mutate: (r) => (at(r, 'list')['services'] = '$.data[?(@.name)]'),
    line: '$.list.services: selector "$.data[?(@.name)]" has a filter or script expression; recipes take plain paths (e.g. $.data[*].id)',
  },
  {
    what: 'a non-loopback URL without --allow-remote',
    mutate: (r) => (r['adminUrl'] = 'http://10.1.2.3:8001'),
    line: '$.adminUrl: 10.1.2.3 is not on loopback (127.0.0.1, ::1)',
  },
  {
    what: 'a process source naming two processes',
    mutate: (r) => (r['memory'] = [{ kind: 'process', pid: 12, pidFile: '/run/x.pid' }]),
    line: '$.memory[0]: a process source names exactly one of pid, pidFile, started: true',
  },
  {
    what: 'a deploy that is neither none nor a call',
    mutate: (r) => (r['deploy'] = 'later'),
    line: '$.deploy: not any of the allowed forms (expected "none"; or expected object, received string)',
  },
  {
    what: 'a capture name that is not a name',
    mutate: (r) => (at(r, 'register')['capture'] = { 'the id': '$.id' }),
    line: '$.register[0].capture.the id: a capture name is a letter or _ then letters, digits, _',
  },
];

describe('bad recipes', () => {
  it.each(badRecipes)('$what: one line naming the file and the JSON path', ({ mutate, line }) => {
    const recipe = good();
    mutate(recipe);
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify(recipe));
    let caught: unknown;
    try {
      loadRecipe(file);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(GwscaleError);
    const message = (caught as GwscaleError).message;
    expect(message).not.toContain('\n');
    expect(message.slice(0, file.length + 2 + line.length)).toBe(`${file}: ${line}`);
  });

  it('the good recipe loads, as JSON and as YAML', () => {
    expect(parseRecipe(JSON.stringify(good()), 'demo.json').name).toBe('demo');
    const yaml =
      'name: demo\ndataUrl: http://127.0.0.1:8000\nregister:\n  - { method: POST, path: "/s/{{service.name}}" }\ndeploy: none\nlist: { call: { method: GET, path: /s }, services: $.data }\nroute: /{{service.name}}\nmemory: [{ kind: process, pid: 1 }]\n';
    expect(parseRecipe(yaml, 'demo.yaml').register).toHaveLength(1);
  });

  it("README's complete recipe example is a valid recipe, the same as recipes/caddy.json", () => {
    const readme = readFileSync('README.md', 'utf8');
    const section = readme.slice(readme.indexOf('## Test your own gateway'));
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
    const fromReadme = parseRecipe(yaml, 'README.md.yaml');
    const shipped = loadRecipe('recipes/caddy.json').recipe;
    expect(fromReadme.register).toEqual(shipped.register);
    expect(fromReadme.attach).toEqual(shipped.attach);
    expect(fromReadme.memory).toEqual(shipped.memory);
    expect(fromReadme.remove).toEqual(shipped.remove);
  });

  it('--allow-remote lets a remote admin URL through', () => {
    const recipe = { ...good(), adminUrl: 'http://10.1.2.3:8001' };
    expect(parseRecipe(JSON.stringify(recipe), 'remote.json', { allowRemote: true }).adminUrl).toBe('http://10.1.2.3:8001');
  });

  it('YAML that does not parse names the file', () => {
    expect(() => parseRecipe('name: [unclosed', 'broken.yaml')).toThrow(/^broken\.yaml: not YAML: /);
  });

  it('the CLI prints the one line and exits 6 (bad input), with no stack trace', async () => {
    const file = join(dir, 'cli-bad.json');
    writeFileSync(file, JSON.stringify({ ...good(), deploymnet: 'none' }));
    const result = await gwscale(['recipe', 'check', file], { timeoutMs: 30_000 });
    expect(result.code).toBe(6);
    const lines = result.stderr.trim().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^gwscale: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: \\$: unknown key "deploymnet"`));
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
