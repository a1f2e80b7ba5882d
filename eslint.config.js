// Lint rules run in CI (npm run check:lint): typescript-eslint's recommended set, syntax only (no type-aware rules: seconds, not minutes).
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'tap-snapshots/**', '.tap/**'] },
  {
    files: ['agent/**/*.ts', 'cli/**/*.ts', 'cli/**/*.cts', 'lab/**/*.ts', 'bench/**/*.ts', 'test/**/*.ts'],
    extends: [tseslint.configs.recommended],
    rules: {
      // A `let` set once after closures that read it were made (a logger wired in later) is not a const.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // `_`-prefixed names are deliberately unused (destructuring a field away, a required parameter).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // Tests, benchmarks and the lab read untyped JSON (API answers, rendered manifests, fixtures): any is allowed there, not in agent/ or cli/.
    files: ['test/**/*.ts', 'bench/**/*.ts', 'lab/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // The installed entry is CommonJS on purpose (it answers --help before loading ESM): require is its import.
    files: ['cli/**/*.cts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
