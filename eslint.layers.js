// The import-boundary rule that keeps src/'s layers (docs/architecture.md). eslint.config.js
// applies it; test/architecture.test.ts runs it on the tree and on wrong-way snippets.
import tseslint from 'typescript-eslint';
import boundaries from 'eslint-plugin-boundaries';

/**
 * The layers of src/, top first; `basics` are the files directly in src/ (errors, exit codes,
 * units, loopback, version). A folder may import from its own files and from any lower layer,
 * never from another folder of its own layer nor from a higher one.
 */
export const layers = [
  ['cli'],
  ['api'],
  ['driver', 'report'],
  ['gateways', 'reference-gateway', 'traffic', 'backend'],
  ['analysis', 'sampling', 'wsdl', 'http1', 'soap', 'process'],
  ['run-log'],
  ['basics'],
];

const below = (type) => layers.slice(layers.findIndex((layer) => layer.includes(type)) + 1).flat();

/**
 * What each folder may import: itself and everything below, except the CLI, a thin shell over the
 * typed API, which reaches below api/ only for the basics (errors, exit codes, units).
 */
const allowed = (type) => (type === 'cli' ? ['cli', 'api', 'basics'] : [type, ...below(type)]);
const element = (types) => ({ element: { types: { anyOf: types } } });

/**
 * Imports allowed beyond the layers, each with why.
 */
const exceptions = [
  {
    // The reference gateway runs as its own process; the harness's adapter speaks to it through its
    // protocol module only (env names, profile and policy names, answer shapes), never its internals.
    from: { element: { type: 'gateways' } },
    allow: { to: { element: { type: 'reference-gateway' }, file: { categories: 'reference-protocol' } } },
  },
];

/** Flat-config blocks: the boundaries plugin, its element map and the rule, for src/ only. */
export const layerRules = [
  {
    files: ['src/**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { boundaries },
    settings: {
      'import/resolver': { typescript: { project: 'tsconfig.json' } },
      'boundaries/dependency-nodes': ['import', 'export', 'dynamic-import'],
      // First match wins: the folders, then whatever else sits directly in src/.
      'boundaries/elements': [
        ...layers.flat().filter((type) => type !== 'basics').map((type) => ({ type, pattern: `src/${type}`, partialMatch: false })),
        { type: 'basics', pattern: 'src', partialMatch: false },
      ],
      'boundaries/files': [
        { category: 'reference-protocol', pattern: 'src/reference-gateway/protocol.ts' },
      ],
    },
    rules: {
      'boundaries/dependencies': [
        'error',
        {
          default: 'disallow',
          policies: [...layers.flat().map((type) => ({ from: { element: { type } }, allow: { to: element(allowed(type)) } })), ...exceptions],
        },
      ],
    },
  },
];
