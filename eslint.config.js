// @ts-check
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['**/dist/', 'coverage/', 'node_modules/', '.scratch/', 'examples/frameworks/angular/.angular/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      // An async function without await is a fine way to return a promise.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // The statechart stays pure: no globals that reach the outside world.
    files: ['machines/**/*.ts'],
    rules: {
      'no-restricted-globals': [
        'error',
        'fetch',
        'localStorage',
        'sessionStorage',
        'window',
        'document',
        'navigator',
        'setTimeout',
        'setInterval',
        'location',
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Time enters the machine as events.' },
        { object: 'Math', property: 'random', message: 'Randomness is injected.' },
      ],
      'no-restricted-imports': ['error', { patterns: ['../adapters/*', '../session/*'] }],
    },
  },
  {
    files: ['adapters/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: ['xstate'], patterns: ['../session/*'] }] },
  },
  {
    files: ['**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
  },
)
