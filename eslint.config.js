// ESLint for every .ts, .js and .svelte file (`npm run lint`, part of `npm test`): the recommended
// rules of ESLint, typescript-eslint (type-aware: floating and misused promises, unsafe `any`) and
// eslint-plugin-svelte. Formatting is prettier's job (eslint-config-prettier turns off what overlaps).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';

export default ts.config(
  {
    ignores: [
      '**/node_modules/',
      '**/dist/',
      '**/build/',
      '**/.svelte-kit/',
      '**/gen/',
      '.data/',
      'web/test-results/',
      'web/playwright-report/',
      // Service templates with placeholders; what `npm run new:service` generates from them is linted.
      'templates/',
    ],
  },
  js.configs.recommended,
  ts.configs.recommendedTypeChecked,
  svelte.configs.recommended,
  prettier,
  svelte.configs.prettier,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: {
        // Each file is checked with the types of the tsconfig.json that includes it.
        projectService: { allowDefaultProject: ['*.js', '*.mjs'] },
        tsconfigRootDir: import.meta.dirname,
        extraFileExtensions: ['.svelte'],
      },
    },
    rules: {
      // `_`-prefixed parameters and variables are unused on purpose.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Fastify plugins and hooks are async functions by contract, with or without an await inside.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Tests read parsed JSON and YAML (responses, rendered manifests) field by field and let the
    // assertion fail on a wrong shape; the promise rules stay on.
    files: ['**/test/**', '**/*.test.ts', '**/e2e/**'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { globals: globals.browser, parserOptions: { parser: ts.parser } },
  },
  {
    // Plain JavaScript (entry points, build scripts) is outside every tsconfig: no type-aware rules.
    // So is the benchmark's monolith, which imports the services' built output (dist/, not in a
    // fresh clone); its types are checked whenever `npm run bench` builds and runs it.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs', 'bench/monolith.ts'],
    extends: [ts.configs.disableTypeChecked],
  },
);
