import { defineConfig } from 'vitest/config';

const shared = {
  // isolated-vm needs --no-node-snapshot on the node command line (see ../shared/NOTES.md).
  pool: 'forks' as const,
  execArgv: ['--no-node-snapshot', '--no-harmony-rab-gsab'],
  testTimeout: 30_000,
  hookTimeout: 60_000,
};

export default defineConfig({
  test: {
    // Build dist/ once, so that sandbox processes and e2e tests never run a stale build.
    globalSetup: ['test/helpers/global-setup.ts'],
    maxWorkers: 2,
    projects: [
      {
        test: { ...shared, name: 'main', include: ['test/{unit,integration,e2e,store-contract}/**/*.test.ts'], sequence: { groupOrder: 0 } },
      },
      {
        // The attacks measure the server's event-loop stalls and memory: they run one file at
        // a time, after everything else, so that no other test's load is measured as theirs.
        // One retry, a second guard against machine noise after the bounds' own (time bounds are
        // relative to noise measured beside each attack, test/security/helpers/noise.ts); a real
        // containment failure fails both tries.
        test: { ...shared, name: 'security', include: ['test/security/**/*.test.ts'], fileParallelism: false, retry: 1, sequence: { groupOrder: 1 } },
      },
      {
        // The web console in Debian's Chromium (playwright-core): skipped, saying how to install
        // it, when the browser is missing, unless CHAMELEON_REQUIRE_BROWSER=1 (.ci/run).
        test: { ...shared, name: 'browser', include: ['test/browser/**/*.test.ts'], sequence: { groupOrder: 2 } },
      },
    ],
  },
});
