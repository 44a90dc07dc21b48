// ESLint: typescript-eslint's type-checked rules over the service, its tests, the bench and the console.
// Layout is Prettier's job (`npm run format`); eslint-config-prettier turns off every rule that would fight it.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

const nodeGlobals = { require: 'readonly', module: 'writable', process: 'readonly', console: 'readonly' };

export default defineConfig(
  {
    ignores: [
      'dist/',
      'dist-bench/',
      'coverage/',
      'bench/results/',
      'test/artifacts/',
      'console/dist/',
      'clients/typescript/dist/',
      'clients/typescript/src/schema.ts',
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  prettier,
  {
    languageOptions: {
      parserOptions: {
        // Each file is typed by its nearest tsconfig.json: the root one, or console/tsconfig.json for the browser code.
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // Prettier wraps code; comments, strings and test names it leaves alone.
      'max-len': ['error', { code: 120, ignoreUrls: true, ignoreRegExpLiterals: true }],
      eqeqeq: ['error', 'smart'],
      'prefer-const': 'error',
      'object-shorthand': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-import-type-side-effects': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/no-shadow': 'error',
      '@typescript-eslint/prefer-optional-chain': 'error',
      '@typescript-eslint/return-await': ['error', 'in-try-catch'],
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      // `_name` marks a parameter or a binding kept on purpose (a handler's arity, a property left out of a rest).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // Passing on a rejection reason received from elsewhere (an AbortSignal's, a caught error) is fine.
      '@typescript-eslint/prefer-promise-reject-errors': [
        'error',
        { allowThrowingAny: true, allowThrowingUnknown: true },
      ],
      // Off: `'LICENSE' | 'CONSUMABLES' | string` documents an upstream's known values of an open set.
      '@typescript-eslint/no-redundant-type-constituents': 'off',
      // Off: an `async` method that implements a Promise-returning interface needs no `await`; the rules that catch
      // real promise bugs (no-floating-promises, no-misused-promises, await-thenable) stay on.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // The service logs through pino; bench, tests and build scripts may print.
    files: ['src/**', 'config/**', 'providers/**'],
    rules: { 'no-console': 'error' },
  },
  {
    // The console's build script runs in Node with its own tsconfig, which the project service does not look for.
    files: ['console/build.ts'],
    languageOptions: { parserOptions: { projectService: false, project: ['console/tsconfig.node.json'] } },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: nodeGlobals },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
