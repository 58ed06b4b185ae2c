// Flat config: typescript-eslint in type-checked mode (it catches promises misused in socket handlers), prettier last.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const ROOMS = ['protocol', 'common', 'openpgp-core', 'agent-gate', 'shim', 'harness'];

/** One no-restricted-imports rule per room: node: builtins, its own files, the rooms it may use, packages if allowed. */
function rooms(allowed) {
  return Object.entries(allowed).map(([room, { packages, rooms: uses }]) => {
    const forbidden = [...ROOMS.filter((r) => r !== room && !uses.includes(r)), 'bench', 'demo', 'test'];
    const patterns = [
      { regex: `(^|/)(${forbidden.join('|')})/`, message: `${room}/ may import only ${uses.join(', ') || 'itself'}` },
    ];
    if (!packages) patterns.push({ regex: '^(?!node:|\\.|/)', message: `${room}/ imports only node: builtins` });
    return { files: [`${room}/**/*.ts`], rules: { 'no-restricted-imports': ['error', { patterns }] } };
  });
}

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'build/',
      'node_modules/',
      'test-keys/generated/',
      'coverage/',
      'debian/gpg-gate/',
      'debian/.debhelper/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  { files: ['**/*.js', '**/*.mjs'], languageOptions: { globals: globals.node } },
  // The rooms and the arrows between them (docs/design.md, "Rooms"): each folder may import only what is listed.
  ...rooms({
    protocol: { packages: false, rooms: ['common'] },
    common: { packages: false, rooms: [] },
    'openpgp-core': { packages: true, rooms: ['common'] },
    'agent-gate': { packages: false, rooms: ['common'] },
    shim: { packages: false, rooms: ['protocol', 'common', 'openpgp-core'] },
    harness: { packages: true, rooms: ['protocol', 'common', 'openpgp-core', 'agent-gate'] },
  }),
  {
    // Only the shim's lazily loaded openpgp backend (its own bundle) may reach the openpgp core.
    files: ['shim/**/*.ts'],
    ignores: ['shim/backends/openpgp/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^(?!node:|\\.|/)', message: 'the shim imports only node: builtins' },
            { regex: '(^|/)(harness|openpgp-core|bench|demo|test)/', message: 'not a room the shim may import' },
          ],
        },
      ],
    },
  },
  prettier,
);
