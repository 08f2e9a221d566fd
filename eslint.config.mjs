// ESLint (flat config), run by `npm run lint` and .ci/run. The workflow rules follow the Temporal
// TypeScript samples: workflow code runs in a deterministic sandbox, so it may not import Node's
// built-ins nor the SDK's activity, client or worker packages, and a promise it forgets to await
// is a silently lost step. Everywhere else, a floating promise is an unhandled rejection.
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/.venv/**', 'bench/out/**', 'test-output/**', '**/*.js', '**/*.mjs', 'src/segmentation/wasm/**/*.generated.ts'] },
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'scripts/**/*.ts', 'bench/**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      // node:test's test()/it()/describe() return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }] }],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-restricted-syntax': ['error', { selector: 'TSEnumDeclaration[const=true]', message: 'const enums do not survive isolated compilation' }],
    },
  },
  {
    files: ['src/workflows/**/*.ts', 'test/workflows/fixtures/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [...nodeBuiltins, '@temporalio/activity', '@temporalio/client', '@temporalio/worker', '@temporalio/testing'].map((name) => ({ name, message: 'workflow code runs in the deterministic sandbox: no Node built-ins, no activity/client/worker APIs (import type is fine)', allowTypeImports: true })),
      }],
    },
  },
);
