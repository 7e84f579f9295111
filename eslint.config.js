import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'data/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', URL: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', Buffer: 'readonly', performance: 'readonly', fetch: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', structuredClone: 'readonly', setImmediate: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The core and the chat commands never know which chat platform they serve.
    files: ['src/core/**/*.ts', 'commands/**/*.ts', 'src/store/**/*.ts', 'src/http/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [
          { name: 'grammy', message: 'Platform code lives in src/platforms/telegram.' },
          { name: 'discord.js', message: 'Platform code lives in src/platforms/discord.' },
        ],
        patterns: [{ group: ['**/platforms/**'], message: 'The core does not import platform adapters.' }],
      }],
    },
  },
);
