import { defineProject } from 'vitest/config';

/**
 * End-to-end tests: the real server on 127.0.0.1 serving the built editor, driven in Debian's
 * Chromium by playwright-core. One file at a time: each starts its own server and browser.
 */
export default defineProject({
  resolve: { conditions: ['source', 'module', 'node', 'default'] },
  ssr: { resolve: { conditions: ['source', 'module', 'node', 'default'], externalConditions: ['source'] } },
  test: {
    name: 'editor-e2e',
    environment: 'node',
    pool: 'forks',
    execArgv: ['--no-node-snapshot'],
    include: ['**/*.e2e.test.ts'],
    globalSetup: ['./global-setup.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
