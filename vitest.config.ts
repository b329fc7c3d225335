import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // isolated-vm needs --no-node-snapshot on the node command line (see ../shared/NOTES.md).
    pool: 'forks',
    execArgv: ['--no-node-snapshot', '--no-harmony-rab-gsab'],
    // Build dist/ once, so that sandbox processes and e2e tests never run a stale build.
    globalSetup: ['test/helpers/global-setup.ts'],
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
  },
});
