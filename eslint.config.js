// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Who may import what (HOUSE-STYLE.md): each dependency has one owner folder. */
const restricted = (allowed) => ({
  'no-restricted-imports': [
    'error',
    {
      paths: [
        ...(allowed.includes('ivm') ? [] : [{ name: 'isolated-vm', message: 'Only src/sandbox-host/ imports isolated-vm.' }]),
        ...(allowed.includes('sqlite') ? [] : [{ name: 'better-sqlite3', message: 'Only src/store/ (Chameleon\'s database) and src/datasources/ (the host\'s, read-only) import better-sqlite3.' }]),
      ],
      patterns: allowed.includes('sdk') ? [] : [{ group: ['@modelcontextprotocol/sdk', '@modelcontextprotocol/sdk/*'], message: 'Only src/mcp/ (the server), src/capabilities/mcp/ (clients of upstream servers) and the CLI import the MCP SDK.' }],
    },
  ],
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'scratch/**', 'coverage/**', 'test/fixtures/**', 'sandbox/**/*.js', 'scripts/**', 'bin/**', 'eslint.config.js', 'vitest.config.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { project: ['./tsconfig.test.json'], tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  { files: ['src/**/*.ts'], rules: { 'no-console': 'error', ...restricted([]) } },
  { files: ['src/sandbox-host/**/*.ts'], rules: restricted(['ivm']) },
  { files: ['src/store/**/*.ts'], rules: restricted(['sqlite']) },
  // The host's own databases (SQL datasources), opened read-only in query processes.
  { files: ['src/datasources/**/*.ts'], rules: restricted(['sqlite']) },
  { files: ['src/mcp/**/*.ts', 'src/capabilities/mcp/**/*.ts', 'src/cli.ts', 'src/cli/**/*.ts'], rules: restricted(['sdk']) },
  {
    // Tests drive guests with deliberately loose code and poke at untyped results.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  { files: ['sandbox/**/*.ts'], languageOptions: { parserOptions: { project: ['./sandbox/tsconfig.json'] } } },
  {
    // The web console's one browser script: plain JavaScript, no types, browser globals.
    files: ['console-assets/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      sourceType: 'script',
      globals: { document: 'readonly', EventSource: 'readonly' },
    },
  },
);
