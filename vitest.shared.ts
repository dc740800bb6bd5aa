import { defineProject } from 'vitest/config';

/**
 * Settings every test project shares. isolated-vm 5 on Node 20 needs --no-node-snapshot in every
 * process that loads it, and only the forks pool accepts that flag (laverdet/isolated-vm#481).
 * The `source` condition makes workspace packages resolve to their TypeScript sources.
 */
export function nexusProject(name: string) {
  return defineProject({
    resolve: { conditions: ['source', 'module', 'node', 'default'] },
    ssr: { resolve: { conditions: ['source', 'module', 'node', 'default'], externalConditions: ['source'] } },
    test: {
      name,
      pool: 'forks',
      execArgv: ['--no-node-snapshot'],
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: 20_000,
      hookTimeout: 20_000,
    },
  });
}
