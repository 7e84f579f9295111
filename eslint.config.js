import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const platformLibraries = [
  { name: 'grammy', message: 'Platform code lives in src/platforms/telegram.' },
  { name: 'discord.js', message: 'Platform code lives in src/platforms/discord.' },
];

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
  // Arrows point down: app.ts wires everything; platforms, http and store sit on the core and the
  // commands; the core sits on nothing of ours above it.
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: platformLibraries,
        patterns: [{
          group: ['**/store/**', '**/config.js', '**/http/**', '**/platforms/**', '**/commands/**', '**/app.js', '**/leadership.js', '**/metrics.js', '**/main.js'],
          message: 'src/core is the bottom layer: it defines ports and types; the layers above implement and wire them.',
        }],
      }],
    },
  },
  {
    files: ['commands/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: platformLibraries,
        patterns: [{
          group: ['**/src/store/**', '**/src/config.js', '**/src/http/**', '**/src/platforms/**', '**/src/app.js', '**/src/leadership.js', '**/src/main.js'],
          message: 'Commands see the core only (types, ports, wording); platforms render what they answer.',
        }],
      }],
    },
  },
  {
    files: ['src/store/**/*.ts', 'src/http/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: platformLibraries,
        patterns: [{ group: ['**/platforms/**', '**/app.js', '**/leadership.js', '**/main.js'], message: 'Stores and pages do not know the chat platforms or the composition root.' }],
      }],
    },
  },
  {
    // A probe stays small (bench/probe.ts measures it): checker, classifier, protocol, config.
    files: ['src/probe/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [...platformLibraries, { name: 'keyv', message: 'A probe keeps no store.' }, { name: 'prom-client', message: 'A probe exports no metrics.' }, { name: 'node-cron', message: 'A probe schedules its own checks.' }],
        patterns: [{ group: ['**/store/**', '**/http/**', '**/platforms/**', '**/commands/**', '**/app.js', '**/leadership.js', '**/metrics.js'], message: 'A probe stays small: checker, classifier, protocol, config.' }],
      }],
    },
  },
  {
    files: ['src/platforms/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['**/app.js', '**/leadership.js', '**/main.js', '**/store/**'], message: 'Platforms get what they need through PlatformDeps, never from the composition root or the store.' }],
      }],
    },
  },
);
